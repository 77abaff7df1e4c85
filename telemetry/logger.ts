/**
 * The processes' pino logger (issue 19 §4): JSON lines, one `service` each, carrying
 * `requestId` and `traceId` (the API's request lines), `workflowId` (the worker's SDK lines),
 * `userId` where known. No secret or personal data: code logs ids and digests, never an email,
 * password, token or card (services/credentials.ts logs a login's digest); as a backstop, fields
 * by those names are censored wherever they appear.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

/** Field names whose values never reach a log line, at the top level or one object deep. */
const SECRET_FIELDS = ['password', 'newPassword', 'currentPassword', 'token', 'accessToken', 'authorization', 'cookie', 'email', 'cardNumber', 'paymentMethod', 'secret'];

const redactPaths = SECRET_FIELDS.flatMap((name) => [name, `*.${name}`]);

/** A process's logger at `level`, to stdout unless `destination` (a test's capture) is given. */
export function createLogger(level: string, service: string, destination?: DestinationStream): Logger {
  const options = { level, base: { service }, redact: { paths: redactPaths, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
