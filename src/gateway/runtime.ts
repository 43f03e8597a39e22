/** What the request handlers share with the data plane that owns them. */
import type { Duplex } from 'node:stream';
import type { Snapshot } from './snapshot/types.js';

/** pino-compatible: `(obj, msg)` or `(msg)`. */
export interface Logger {
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
  debug(obj: unknown, msg?: string): void;
}

export interface ResolvedOptions {
  host: string;
  port: number;
  maxBodyBytes: number;
  maxHeaderSize: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  trustProxy: boolean;
}

export interface GatewayRuntime {
  /** The snapshot new requests use; replaced (never mutated) on reload. */
  snapshot: Snapshot;
  readonly options: ResolvedOptions;
  readonly logger: Logger;
  /** Shutting down: responses ask clients to close their connection. */
  closing: boolean;
  /** Client sockets of established WebSocket tunnels, destroyed when the grace period ends. */
  readonly tunnels: Set<Duplex>;
}
