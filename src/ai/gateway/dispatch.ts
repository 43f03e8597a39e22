/**
 * One attempt's undici dispatch handler. It only relays to its owner (the call), and stops relaying
 * once the attempt is over (aborted, or its outcome handled), so a late callback of an abandoned
 * attempt can never touch the call. undici does not guard these callbacks: the owner's must not throw.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { ProviderKey } from '../providers/keys.js';
import type { ResolvedTarget } from './types.js';

export interface AttemptOwner {
  onHead(attempt: UpstreamAttempt, status: number, headers: IncomingHttpHeaders): void;
  onData(attempt: UpstreamAttempt, chunk: Buffer): void;
  onEnd(attempt: UpstreamAttempt): void;
  onError(attempt: UpstreamAttempt, err: Error): void;
}

export class UpstreamAttempt implements Dispatcher.DispatchHandler {
  readonly owner: AttemptOwner;
  readonly target: ResolvedTarget;
  readonly key: ProviderKey | null;
  /** `performance.now()` when dispatched. */
  readonly startedAt: number;
  controller: Dispatcher.DispatchController | null = null;
  status = 0;
  headers: IncomingHttpHeaders | null = null;
  /** No more callbacks reach the owner. */
  over = false;
  #reason: Error | null = null;

  constructor(owner: AttemptOwner, target: ResolvedTarget, key: ProviderKey | null) {
    this.owner = owner;
    this.target = target;
    this.key = key;
    this.startedAt = performance.now();
  }

  /** Stop the attempt; the owner hears nothing more from it. */
  abort(reason: Error): void {
    if (this.over) return;
    this.over = true;
    this.#reason = reason;
    this.controller?.abort(reason);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.#reason !== null) controller.abort(this.#reason);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    if (statusCode < 200) return;
    this.controller = controller;
    this.status = statusCode;
    this.headers = headers;
    if (!this.over) this.owner.onHead(this, statusCode, headers);
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.over) this.owner.onData(this, chunk);
  }

  onResponseEnd(): void {
    if (this.over) return;
    this.over = true;
    this.owner.onEnd(this);
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    if (this.over) return;
    this.over = true;
    this.owner.onError(this, err);
  }
}
