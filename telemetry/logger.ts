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

/** How long a quiet process keeps its last lines before writing them anyway. */
const FLUSH_EVERY_MS = 1_000;

/**
 * stdout through a 4 KB buffer: one write per 4 KB of lines, or per second when quieter, instead
 * of one per line. A write is a system call that costs the API ~0.3 ms of CPU on a 2-core host
 * (issue 19 §3's profiles: the request lines' writes were 4 % of the API's CPU). A process that
 * exits, or dies of an uncaught error, writes what it holds (pino's exit hook); one killed
 * outright (SIGKILL, out of memory) loses at most its last second of lines.
 */
function bufferedStdout(): DestinationStream {
  const stream = pino.destination({ dest: 1, sync: false, minLength: 4_096 });
  setInterval(() => stream.flush(), FLUSH_EVERY_MS).unref();
  return stream;
}

/** A process's logger at `level`, to stdout (buffered) unless `destination` (a test's capture) is given. */
export function createLogger(level: string, service: string, destination?: DestinationStream): Logger {
  const options = { level, base: { service }, redact: { paths: redactPaths, censor: '[redacted]' } };
  return pino(options, destination ?? bufferedStdout());
}
