/**
 * Starts the fleet receiver: `WEBHOOK_SECRET=whsec_... pnpm --filter @exhaust/example-fleet-receiver start`.
 * Environment: PORT (8789), WEBHOOK_SECRET (the `secret` of `POST /v1/webhooks`, shown once).
 */
import { createFleetReceiver } from './fleet-receiver.js';

const PORT = Number(process.env.PORT ?? 8789);
if (!process.env.WEBHOOK_SECRET) {
  console.error('Set WEBHOOK_SECRET to the secret POST /v1/webhooks answered.');
  process.exit(1);
}
const server = createFleetReceiver({
  secret: process.env.WEBHOOK_SECRET,
  onAlert: (alert) =>
    console.log(
      alert.audience === 'booking_surge' && alert.type === 'audience.entered'
        ? `ALERT booking surge: ${alert.customer} is booking, keep a truck ready (${alert.id})`
        : `${alert.type} ${JSON.stringify(alert.data)}`,
    ),
});
server.listen(PORT, 'localhost', () => console.log(`fleet receiver on http://localhost:${PORT}/webhooks/exhaust`));
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => server.close());
