// Benchmark upstream: answers every request with a small JSON body, keep-alive. Run: node upstream.mjs PORT
import http from 'node:http';

const body = Buffer.from(JSON.stringify({ id: 42, name: 'gantry-bench', items: [1, 2, 3], ok: true }));
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.send?.({ port: server.address().port });
});
