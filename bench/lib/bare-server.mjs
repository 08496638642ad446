// The baseline: node:http that reads the body, JSON.parses it and answers 200,
// nothing else. The ceiling any collector on this machine can reach.
import { createServer } from 'node:http';

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ success: true, accepted: body.batch?.length ?? 0 }));
    } catch {
      res.writeHead(400).end();
    }
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}`, writeKey: 'none' })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
