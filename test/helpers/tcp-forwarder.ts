/**
 * A TCP forwarder on 127.0.0.1 in front of a service (PostgreSQL, Redis) that a test can cut and
 * restore, to simulate an outage without stopping the machine's shared service.
 *
 * `cut()` destroys every forwarded connection and stops listening, so new connections are refused
 * at once (ECONNREFUSED), as when the service is down. `restore()` listens again on the same port.
 */
import net from 'node:net';

export class TcpForwarder {
  readonly #targetHost: string;
  readonly #targetPort: number;
  readonly #sockets = new Set<net.Socket>();
  #server: net.Server | undefined;
  #port = 0;
  /** Connections accepted since start, for tests that check a client reconnected. */
  accepted = 0;

  private constructor(targetPort: number, targetHost: string) {
    this.#targetPort = targetPort;
    this.#targetHost = targetHost;
  }

  /** Starts forwarding 127.0.0.1:<free port> → targetHost:targetPort. */
  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpForwarder> {
    const f = new TcpForwarder(targetPort, targetHost);
    await f.#listen(0);
    return f;
  }

  /** Forwards to the host and port of `url` (postgres://, redis://); returns the forwarder and `url` pointing at it. */
  static async forUrl(url: string): Promise<{ forwarder: TcpForwarder; url: string }> {
    const u = new URL(url);
    const defaultPort = u.protocol.startsWith('redis') ? 6379 : 5432;
    const forwarder = await TcpForwarder.start(u.port ? Number(u.port) : defaultPort, u.hostname || '127.0.0.1');
    u.hostname = '127.0.0.1';
    u.port = String(forwarder.port);
    return { forwarder, url: u.toString() };
  }

  get port(): number {
    return this.#port;
  }

  get isCut(): boolean {
    return this.#server === undefined;
  }

  /** Drops every connection and refuses new ones until `restore()`. */
  async cut(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    const closed = new Promise<void>((r) => server.close(() => r()));
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
    await closed;
  }

  /** Accepts connections again, on the same port. */
  async restore(): Promise<void> {
    if (this.#server) return;
    await this.#listen(this.#port);
  }

  async close(): Promise<void> {
    await this.cut();
  }

  #listen(port: number): Promise<void> {
    const server = net.createServer((client) => this.#forward(client));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        this.#server = server;
        this.#port = (server.address() as net.AddressInfo).port;
        resolve();
      });
    });
  }

  #forward(client: net.Socket): void {
    this.accepted++;
    const upstream = net.connect(this.#targetPort, this.#targetHost);
    for (const s of [client, upstream]) {
      this.#sockets.add(s);
      s.setNoDelay(true);
      s.on('error', () => s.destroy());
      s.on('close', () => {
        this.#sockets.delete(s);
        // One side gone: the other goes too, as a broken connection would.
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
