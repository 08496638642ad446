// Load for the subscription check, in its own process (see load.mjs). Args:
// url senderKey mode(single|bulk|floor) seconds connections addresses bulkSize.
// Prints autocannon's result as one JSON line.
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../packages/collector/package.json', import.meta.url));
const autocannon = require('autocannon');

const [url, key, mode, seconds, connections, addresses, bulkSize] = process.argv.slice(2);
const ADDRESSES = Number(addresses);
const BULK = Number(bulkSize);
const address = (i) => `person-${i % ADDRESSES}@example.org`;
let request = 0;

const single = {
  method: 'GET',
  setupRequest: (req) => ({
    ...req,
    path: `/v1/subscriptions/check?channel=email&topic=offers&address=${address(request++ * 7919)}`,
  }),
};
// A few send lists, built once: building 1,000 addresses per request would make the generator the bottleneck.
const lists = Array.from({ length: 8 }, (_, l) =>
  JSON.stringify({
    channel: 'email',
    topic: 'offers',
    addresses: Array.from({ length: BULK }, (_, i) => address(l * BULK + i)),
  }),
);
const bulk = {
  method: 'POST',
  path: '/v1/subscriptions/check',
  setupRequest: (req) => ({ ...req, body: lists[request++ % lists.length] }),
};

// The floor: an answer that also crosses to the store's worker and back (`ping`), nothing else.
const floor = { method: 'GET', path: '/healthz' };

const result = await autocannon({
  url,
  connections: Number(connections),
  duration: Number(seconds),
  headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
  requests: [{ bulk, single, floor }[mode]],
});
process.stdout.write(`${JSON.stringify(result)}\n`);
