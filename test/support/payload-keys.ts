/**
 * The test payload key (issue 19 §5): `npm run histories:capture` encrypts the histories it
 * captures with it, and test/replay decrypts them with it, so committed histories replay with
 * encryption on. A key for tests only, public by being committed: never configure it anywhere.
 * Histories captured before encryption are plain and pass through the codec unchanged.
 */
import { createHash } from 'node:crypto';
import { encryptionCodec, keyRing } from '../../codec/payload-codec.js';

export const TEST_PAYLOAD_KEY_ID = 'test-1';
const testKey = new Uint8Array(createHash('sha256').update('gigflow committed histories, test key 1').digest());

/** The codec of the test key. */
export const testPayloadCodec = encryptionCodec(keyRing([{ id: TEST_PAYLOAD_KEY_ID, key: testKey }], TEST_PAYLOAD_KEY_ID));
