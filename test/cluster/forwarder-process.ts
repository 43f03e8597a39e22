/**
 * The TCP forwarder (test/helpers/tcp-forwarder.ts) in a process of its own. A test that drives load
 * from its own event loop would otherwise also carry every forwarded Redis round trip on that loop,
 * delaying replies past the nodes' Redis timeout for reasons that are the test's, not Gantry's.
 *
 * Parent side: `ForwarderProcess.forUrl(url)`. Child side: this file run with `serve <url>`; it
 * answers IPC messages `cut` / `restore` with `done` once the forwarder did it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TcpForwarder } from '../helpers/tcp-forwarder.js';

type Command = 'cut' | 'restore';

export class ForwarderProcess {
  readonly url: string;
  readonly #child: ChildProcess;

  private constructor(child: ChildProcess, url: string) {
    this.#child = child;
    this.url = url;
  }

  /** Forwards to the host and port of `url`; `.url` is `url` pointing at the forwarder. */
  static async forUrl(url: string): Promise<ForwarderProcess> {
    const child = fork(fileURLToPath(import.meta.url), ['serve', url], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const forwarded = await new Promise<string>((resolve, reject) => {
      child.once('message', (m: { url: string }) => resolve(m.url));
      child.once('exit', (code) => reject(new Error(`forwarder process exited with ${code}`)));
    });
    return new ForwarderProcess(child, forwarded);
  }

  cut(): Promise<void> {
    return this.#send('cut');
  }

  restore(): Promise<void> {
    return this.#send('restore');
  }

  async close(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = new Promise((r) => this.#child.once('exit', r));
    this.#child.kill('SIGTERM');
    await exited;
  }

  #send(command: Command): Promise<void> {
    return new Promise((resolve, reject) => {
      const onExit = () => reject(new Error(`forwarder process exited before it answered ${command}`));
      this.#child.once('exit', onExit);
      this.#child.once('message', () => {
        this.#child.off('exit', onExit);
        resolve();
      });
      this.#child.send(command);
    });
  }
}

if (process.argv[2] === 'serve' && process.send) {
  const { forwarder, url } = await TcpForwarder.forUrl(process.argv[3]!);
  process.on('message', (command: Command) => {
    void (command === 'cut' ? forwarder.cut() : forwarder.restore()).then(() => process.send!('done'));
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ url });
}
