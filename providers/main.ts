/**
 * `npm run providers`: the local payment stand-ins on their own, as `npm start` runs them when
 * no provider URL is configured. Webhooks go to the API (`PORT`), signed with the same secrets
 * the API verifies with; the hosted pages are at this server's address.
 */
import { loadConfig } from '../config.js';
import { startLocalProviders } from './server.js';

const config = loadConfig();
const api = `http://${config.HOST}:${config.PORT}`;
const running = await startLocalProviders({
  port: config.LOCAL_PROVIDERS_PORT,
  host: config.HOST,
  card: { secretKey: config.CARD_PROCESSOR_SECRET_KEY, webhookSecret: config.CARD_WEBHOOK_SECRET, webhookUrl: `${api}/webhooks/card` },
  paypal: {
    clientId: config.PAYPAL_CLIENT_ID,
    clientSecret: config.PAYPAL_CLIENT_SECRET,
    webhookId: config.PAYPAL_WEBHOOK_ID,
    webhookUrl: `${api}/webhooks/paypal`,
  },
});
process.stdout.write(`local payment providers on ${running.url} (card: ${running.url}/card, PayPal: ${running.url}/paypal)\n`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void running.stop().then(() => process.exit(0)));
}
