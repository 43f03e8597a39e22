/**
 * The client side of an AI response: the head (after the route's response-phase policies, which may
 * be async: output waits for them), then the body as it comes. Writes made in one tick (several
 * upstream chunks read at once) are corked into one syscall — no timer, nothing held past the tick —
 * and the last bytes go out with the end. A full client socket pauses the upstream until it drains.
 */
import type { ServerResponse } from 'node:http';
import type { RequestContext } from '../../gateway/context.js';
import { runChain } from '../../gateway/pipeline.js';

export interface WriterOwner {
  /** The response was ended. */
  ended(): void;
  pauseUpstream(): void;
  resumeUpstream(): void;
  /** A response-phase policy failed: nothing was written, the owner answers an error instead. */
  headFailed(err: unknown): void;
}

const kWriter = Symbol('gantry.aiWriter');
type Tagged = ServerResponse & { [kWriter]?: ClientWriter };

function onDrain(this: Tagged): void {
  this[kWriter]?.owner.resumeUpstream();
}

function uncorkWriter(writer: ClientWriter): void {
  writer.uncork();
}

export class ClientWriter {
  readonly owner: WriterOwner;
  readonly #ctx: RequestContext;
  readonly #res: Tagged;
  /** The head is written or on its way (policies running). */
  committed = false;
  /** Output waiting for an async response-phase handler. */
  #pending: Array<string | Buffer> | null = null;
  #endPending = false;
  #corked = false;
  #drainHooked = false;

  constructor(ctx: RequestContext, owner: WriterOwner) {
    this.#ctx = ctx;
    this.#res = ctx.res as Tagged;
    this.#res[kWriter] = this;
    this.owner = owner;
  }

  /** The client is gone or the response already ended. */
  get closed(): boolean {
    return this.#res.destroyed || this.#res.writableEnded;
  }

  /**
   * Commits the response: runs response-phase policies, then writes status 200 and `headers()`
   * (computed then, so policies' header changes apply). False when a policy failed synchronously.
   */
  commit(headers: () => string[]): boolean {
    const ctx = this.#ctx;
    this.committed = true;
    const writeHead = (): void => {
      ctx.status = 200;
      ctx.answered = true;
      this.#res.writeHead(200, headers());
    };
    const chain = ctx.route!.chains.response;
    if (chain.length === 0) {
      writeHead();
      return true;
    }
    ctx.upstreamStatus = 200;
    ctx.upstreamHeaders = {};
    this.#pending = [];
    let failed = false;
    runChain(
      ctx,
      chain,
      0,
      () => {
        const pending = this.#pending ?? [];
        this.#pending = null;
        if (this.#res.destroyed) return;
        try {
          writeHead();
          for (const p of pending) this.send(p, false);
          if (this.#endPending) this.#end(undefined);
        } catch (err) {
          this.owner.headFailed(err);
        }
      },
      (_ctx, err) => {
        failed = true;
        this.#pending = null;
        this.#endPending = false;
        this.committed = false;
        this.owner.headFailed(err);
      },
    );
    return !failed;
  }

  /** Writes `data`; `last` ends the response with it (one write for the last bytes and the end). */
  send(data: string | Buffer, last: boolean): void {
    if (this.#pending !== null) {
      if (data.length > 0) this.#pending.push(data);
      if (last) this.#endPending = true;
      return;
    }
    if (data.length > 0) this.#ctx.bytesOut += typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    if (last) {
      this.#end(data);
      return;
    }
    if (data.length === 0) return;
    const res = this.#res;
    if (!this.#corked) {
      this.#corked = true;
      res.cork();
      process.nextTick(uncorkWriter, this);
    }
    if (!res.write(data)) {
      this.owner.pauseUpstream();
      if (!this.#drainHooked) {
        this.#drainHooked = true;
        res.on('drain', onDrain);
      }
    }
  }

  uncork(): void {
    this.#corked = false;
    this.#res.uncork();
  }

  #end(data: string | Buffer | undefined): void {
    if (data !== undefined && data.length > 0) this.#res.end(data);
    else this.#res.end();
    this.owner.ended();
  }
}
