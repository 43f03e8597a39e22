// The reference proxy Gantry is measured against: node:http + an undici keep-alive Pool, forwarding
// bytes both ways and parsing nothing. Run: node reference-proxy.mjs PORT UPSTREAM_URL
import http from 'node:http';
import { Pool } from 'undici';

const pool = new Pool(process.argv[3], { connections: 128, pipelining: 1 });
const hopByHop = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

const server = http.createServer((req, res) => {
  const headers = {};
  for (const [k, v] of Object.entries(req.headers)) if (!hopByHop.has(k)) headers[k] = v;
  const hasBody = req.headers['content-length'] || req.headers['transfer-encoding'];
  pool.stream(
    { path: req.url, method: req.method, headers, body: hasBody ? req : null },
    ({ statusCode, headers: upstreamHeaders }) => {
      for (const k of hopByHop) delete upstreamHeaders[k];
      res.writeHead(statusCode, upstreamHeaders);
      return res;
    },
    (err) => {
      if (err && !res.headersSent) {
        res.writeHead(502).end();
      }
    },
  );
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.send?.({ port: server.address().port });
});
