/**
 * `npm start`'s development payload key (issue 19 §5): made once, kept in
 * `GIGFLOW_DATA_DIR/payload-keys` beside the dev server's state, so a restart still decrypts
 * the histories it wrote. An operator who sets PAYLOAD_KEYS never gets one.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { KEY_BYTES } from '../codec/payload-codec.js';

/** PAYLOAD_KEYS and PAYLOAD_KEY_ID for the processes `npm start` runs, from the data folder's key file. */
export function developmentPayloadKeys(dataDir: string): { PAYLOAD_KEYS: string; PAYLOAD_KEY_ID: string } {
  const file = join(dataDir, 'payload-keys');
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    // Readable by this user only: it decrypts every history of this data folder.
    writeFileSync(file, `dev-1:${randomBytes(KEY_BYTES).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  }
  const keys = readFileSync(file, 'utf8').trim();
  return { PAYLOAD_KEYS: keys, PAYLOAD_KEY_ID: keys.slice(keys.lastIndexOf(',') + 1, keys.lastIndexOf(':')) };
}
