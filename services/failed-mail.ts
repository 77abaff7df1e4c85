/** Support's view of the email the outbox gave up on (K-70): each failed its last attempt. */
import type { Db } from '../db/client.js';
import { failedMail, type FailedMail } from '../db/outbox.js';

export type FailedMailService = () => Promise<FailedMail[]>;

export function createFailedMail(db: Db): FailedMailService {
  return () => failedMail(db);
}
