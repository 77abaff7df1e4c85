/**
 * The payload codec (codec/payload-codec.ts, issue 19 §5, W-19): AES-256-GCM with the key id in
 * the payload's metadata, rotation by adding a key, plain payloads passing through.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Payload } from '@temporalio/common';
import { DefaultPayloadConverter } from '@temporalio/common';
import { encryptionCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA, keyRing, PayloadCodecError, payloadFromJson, payloadToJson, type PayloadKey } from '../../codec/payload-codec.js';
import { checkProperty } from '../support/seed.js';

const converter = new DefaultPayloadConverter();
const key = (id: string): PayloadKey => ({ id, key: new Uint8Array(randomBytes(32)) });
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');
const buyer = { name: 'Ada Lovelace', message: 'please invoice Lovelace Ltd, Dublin', amountCents: 1000 };

describe('the payload codec', () => {
  const k1 = key('k1');

  it('encrypts a payload so that neither its data nor its encoding shows, and decrypts it back exactly', async () => {
    const codec = encryptionCodec(keyRing([k1], 'k1'));
    const plain = converter.toPayload(buyer);
    const [sealed] = await codec.encode([plain]);
    assert.equal(text(sealed!.metadata!.encoding), ENCRYPTED_ENCODING);
    assert.equal(text(sealed!.metadata![KEY_ID_METADATA]), 'k1');
    assert.deepEqual(Object.keys(sealed!.metadata!).sort(), ['encoding', KEY_ID_METADATA].sort());
    const bytes = text(sealed!.data);
    assert.ok(!bytes.includes('Lovelace') && !bytes.includes('json/plain'), 'no plaintext in the stored bytes');
    const [opened] = await codec.decode([sealed!]);
    assert.deepEqual(converter.fromPayload(opened!), buyer);
    assert.equal(text(opened!.metadata!.encoding), 'json/plain');
  });

  it('round-trips any payload bytes and metadata, empty ones included', async () => {
    const codec = encryptionCodec(keyRing([k1], 'k1'));
    const bytes = (maxLength: number) => fc.uint8Array({ maxLength });
    await checkProperty(
      fc.asyncProperty(bytes(20), bytes(300), async (encoding, data) => {
        const payload: Payload = { metadata: { encoding, extra: new Uint8Array([1, 2, 3]) }, data };
        const [opened] = await codec.decode(await codec.encode([payload]));
        const hex = (p: Payload) => ({ metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('hex')])), data: Buffer.from(p.data ?? []).toString('hex') });
        assert.deepEqual(hex(opened!), hex(payload));
      }),
      { numRuns: 100, file: import.meta.url },
    );
  });

  it('refuses a payload with one byte altered, or whose key id was swapped', async () => {
    const codec = encryptionCodec(keyRing([k1, key('k2')], 'k1'));
    const [sealed] = await codec.encode([converter.toPayload(buyer)]);
    for (const at of [0, 20, sealed!.data!.length - 1]) {
      const data = new Uint8Array(sealed!.data!);
      data[at] = data[at]! ^ 0x01;
      await assert.rejects(codec.decode([{ ...sealed!, data }]), (err: unknown) => err instanceof PayloadCodecError && /fails authentication/.test(err.message));
    }
    const swapped = { ...sealed!, metadata: { ...sealed!.metadata, [KEY_ID_METADATA]: new TextEncoder().encode('k2') } };
    await assert.rejects(codec.decode([swapped]), /key "k2" fails authentication/);
  });

  it('refuses a payload encrypted with a key it does not hold, naming the key id', async () => {
    const [sealed] = await encryptionCodec(keyRing([key('old')], 'old')).encode([converter.toPayload(buyer)]);
    await assert.rejects(
      encryptionCodec(keyRing([k1], 'k1')).decode([sealed!]),
      (err: unknown) => err instanceof PayloadCodecError && /encrypted with key "old", which this process does not hold \(it holds: k1\)/.test(err.message),
    );
  });

  it('rotates: after a new key encrypts, what the old key encrypted still decrypts', async () => {
    const k2 = key('k2');
    const [before] = await encryptionCodec(keyRing([k1], 'k1')).encode([converter.toPayload(buyer)]);
    const rotated = encryptionCodec(keyRing([k1, k2], 'k2'));
    const [after] = await rotated.encode([converter.toPayload(buyer)]);
    assert.equal(text(after!.metadata![KEY_ID_METADATA]), 'k2');
    assert.deepEqual((await rotated.decode([before!, after!])).map((p) => converter.fromPayload(p)), [buyer, buyer]);
  });

  it('passes payloads without the encrypted encoding through unchanged (histories written before encryption)', async () => {
    const codec = encryptionCodec(keyRing([k1], 'k1'));
    const plain = [converter.toPayload(buyer), converter.toPayload(undefined), { data: new Uint8Array([1, 2]) }];
    assert.deepEqual(await codec.decode(plain), plain);
  });

  it('refuses a ring without the encrypting key, with a short key or a twice-listed id', () => {
    assert.throws(() => keyRing([k1], 'k2'), /the encrypting key "k2" is not among the payload keys \(k1\)/);
    assert.throws(() => keyRing([{ id: 'short', key: new Uint8Array(16) }], 'short'), /has 16 bytes; AES-256 needs 32/);
    assert.throws(() => keyRing([k1, k1], 'k1'), /listed twice/);
  });

  it('reads and writes the codec server protocol’s base64 JSON losslessly', async () => {
    const [sealed] = await encryptionCodec(keyRing([k1], 'k1')).encode([converter.toPayload(buyer)]);
    const json = payloadToJson(sealed!);
    assert.equal(Buffer.from(json.metadata.encoding!, 'base64').toString(), ENCRYPTED_ENCODING);
    assert.deepEqual(payloadToJson(payloadFromJson(JSON.parse(JSON.stringify(json)))), json);
  });
});
