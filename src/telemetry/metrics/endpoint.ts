/**
 * Serving `/metrics`: the optional bearer token (GANTRY_METRICS_TOKEN), and the minimal node:http
 * listener a `--role data` node runs on its admin port (it has no admin API) so every node can be
 * scraped. That listener answers `GET /metrics` and `GET /healthz`, nothing else.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GantryError } from '../../core/errors.js';

/**
 * A check of the `Authorization` header against the metrics token; without a token every request
 * passes. Compared as SHA-256 digests in constant time.
 */
export function checkMetricsToken(token: string | undefined): (authorization: string | undefined) => boolean {
  if (token === undefined || token === '') return () => true;
  const expected = createHash('sha256').update(token).digest();
  return (authorization) => {
    if (authorization === undefined || !authorization.startsWith('Bearer ')) return false;
    const given = createHash('sha256').update(authorization.slice(7).trim()).digest();
    return timingSafeEqual(given, expected);
  };
}

export interface MetricsSource {
  render(): Promise<string>;
  readonly contentType: string;
}

export interface MetricsListenerOptions {
  host: string;
  port: number;
  metrics: MetricsSource;
  /** Required as `Authorization: Bearer <token>` on /metrics when set. */
  token?: string;
  /** The body of `GET /healthz` (JSON). */
  health: () => Record<string, unknown>;
  onError?: (err: unknown) => void;
}

export interface MetricsListener {
  host: string;
  port: number;
  close(): Promise<void>;
}

function sendError(res: http.ServerResponse, err: GantryError): void {
  const body = JSON.stringify(err.toBody());
  res.writeHead(err.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}

export async function listenMetrics(opts: MetricsListenerOptions): Promise<MetricsListener> {
  const authorized = checkMetricsToken(opts.token);
  const server = http.createServer({ requestTimeout: 10_000, headersTimeout: 10_000 }, (req, res) => {
    req.resume();
    const path = (req.url ?? '/').split('?', 1)[0];
    const get = req.method === 'GET' || req.method === 'HEAD';
    if (get && path === '/healthz') {
      const body = JSON.stringify(opts.health());
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (!get || path !== '/metrics') {
      sendError(res, new GantryError('GANTRY_ERR_NOT_FOUND', 'This port serves GET /metrics and GET /healthz only (a data node runs no admin API)'));
      return;
    }
    if (!authorized(req.headers.authorization)) {
      sendError(res, new GantryError('GANTRY_ERR_METRICS_UNAUTHENTICATED'));
      return;
    }
    opts.metrics.render().then(
      (text) => {
        res.writeHead(200, { 'content-type': opts.metrics.contentType, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => {
        opts.onError?.(err);
        sendError(res, new GantryError('GANTRY_ERR_INTERNAL'));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    host: opts.host,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
