// The load generator, in its own process so it never shares a core's event
// loop with the server under test. Args: url writeKey workloadName seconds connections.
// Prints autocannon's result as one JSON line.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { WORKLOADS } from '../ingest-workloads.mjs';

const require = createRequire(new URL('../../packages/collector/package.json', import.meta.url));
const autocannon = require('autocannon');

const [url, writeKey, workloadName, seconds, connections] = process.argv.slice(2);
const workload = WORKLOADS.find((w) => w.name === workloadName);
if (!workload) throw new Error(`unknown workload ${workloadName}`);
const uniq = randomUUID().slice(0, 8);
// Building 20 events per request with JSON.stringify would make the generator the bottleneck:
// serialize once around a placeholder, then splice a fresh counter in per request.
const PLACEHOLDER = '\u0000REQ\u0000';
const parts = JSON.stringify(workload.body(PLACEHOLDER, uniq)).split(JSON.stringify(PLACEHOLDER).slice(1, -1));
let request = 0;

const result = await autocannon({
  url: `${url}/v1/batch`,
  connections: Number(connections),
  duration: Number(seconds),
  method: 'POST',
  headers: {
    'content-type': 'application/json',
    authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
  },
  requests: [{ setupRequest: (req) => ({ ...req, body: parts.join(String(request++)) }) }],
});
process.stdout.write(`${JSON.stringify(result)}\n`);
