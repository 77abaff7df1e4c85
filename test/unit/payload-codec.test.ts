/**
 * The payload codec (codec/payload-codec.ts, issue 19 §5, W-19): AES-256-GCM with the key id in
 * the payload's metadata, rotation by adding a key, plain payloads passing through; large
 * payloads deflated inside the envelope, with a preset dictionary (issue 19 §3).
 */
import assert from 'node:assert/strict';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Payload } from '@temporalio/common';
import { DefaultPayloadConverter } from '@temporalio/common';
import protobuf from 'protobufjs';
import { DEFLATE_DICTIONARIES } from '../../codec/deflate-dictionary.js';
import {
  DEFLATED_ENCODING,
  DICTIONARY_METADATA,
  encryptionCodec,
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  keyRing,
  PayloadCodecError,
  payloadFromJson,
  payloadToJson,
  type PayloadKey,
} from '../../codec/payload-codec.js';
import * as machine from '../../workflows/order/machine.js';
import { sampleOrderInput } from '../support/order-input.js';
import { checkProperty } from '../support/seed.js';

const converter = new DefaultPayloadConverter();
const key = (id: string): PayloadKey => ({ id, key: new Uint8Array(randomBytes(32)) });
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');
const buyer = { name: 'Ada Lovelace', message: 'please invoice Lovelace Ltd, Dublin', amountCents: 1000 };

// temporal.api.common.v1.Payload, as the envelope's plaintext is laid out.
const PayloadMessage = new protobuf.Type('Payload').add(new protobuf.MapField('metadata', 1, 'string', 'bytes')).add(new protobuf.Field('data', 2, 'bytes'));
new protobuf.Root().add(PayloadMessage);

/** An envelope sealed by hand with `key` around `inner` (a payload as protobuf), as an older or a foreign writer might have. */
function sealedByHand(key: PayloadKey, inner: Payload): Payload {
  const keyId = new TextEncoder().encode(key.id);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key.key, iv);
  cipher.setAAD(keyId);
  const data = new Uint8Array(Buffer.concat([iv, cipher.update(PayloadMessage.encode(inner).finish()), cipher.final(), cipher.getAuthTag()]));
  return { metadata: { encoding: new TextEncoder().encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: keyId }, data };
}

/** An order after its seller delivered: the view each party's action answers. */
function deliveredOrderView() {
  const input = sampleOrderInput();
  const seller = { role: 'seller', userId: input.seller.id } as const;
  let { state } = machine.act(machine.initialState(input), { actor: seller, action: { type: 'start_work' } }, '2026-11-02T11:00:00.000Z');
  ({ state } = machine.act(state, { actor: seller, action: { type: 'deliver', text: 'The logo, in SVG and PNG.', links: ['https://files.example.com/logo.zip'] } }, '2026-11-02T15:00:00.000Z'));
  return machine.viewOf(state, 'seller', '2026-11-02T15:00:00.000Z');
}

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

  it('deflates a large payload inside the envelope: an order view’s worth of JSON is stored in a fraction of its bytes, and decodes exactly', async () => {
    const codec = encryptionCodec(keyRing([k1], 'k1'));
    const view = { ...buyer, timeline: Array.from({ length: 20 }, (_, i) => ({ at: `2026-11-0${1 + (i % 9)}T10:00:00.000Z`, by: 'seller', event: 'progress', text: `Progress ${i}: the logo's second draft` })) };
    const plain = converter.toPayload(view);
    assert.ok(plain.data!.length > 1_500, `a view-sized payload (${plain.data!.length} bytes)`);
    const [sealed] = await codec.encode([plain]);
    assert.ok(sealed!.data!.length < plain.data!.length / 3, `stored in ${sealed!.data!.length} of ${plain.data!.length} bytes`);
    assert.ok(!text(sealed!.data).includes(DEFLATED_ENCODING), 'the compression is inside the envelope');
    const [opened] = await codec.decode([sealed!]);
    assert.deepEqual(converter.fromPayload(opened!), view);
    assert.equal(text(opened!.metadata!.encoding), 'json/plain');
  });

  it('round-trips payloads of any size, compressible or not, past the size deflate starts at', async () => {
    const codec = encryptionCodec(keyRing([k1], 'k1'));
    await checkProperty(
      fc.asyncProperty(fc.string({ maxLength: 60 }), fc.nat(80), fc.uint8Array({ maxLength: 700 }), async (phrase, times, noise) => {
        const data = new Uint8Array(Buffer.concat([Buffer.from(phrase.repeat(times)), noise]));
        const payload: Payload = { metadata: { encoding: new TextEncoder().encode('binary/plain') }, data };
        const [opened] = await codec.decode(await codec.encode([payload]));
        assert.equal(Buffer.from(opened!.data!).toString('hex'), Buffer.from(data).toString('hex'));
        assert.equal(text(opened!.metadata!.encoding), 'binary/plain');
      }),
      { numRuns: 100, file: import.meta.url },
    );
  });

  it('refuses a deflated payload that would inflate past 4 MB (no zip bomb through the codec server)', async () => {
    const codec = encryptionCodec(keyRing([k1], 'k1'));
    const bomb = sealedByHand(k1, { metadata: { encoding: new TextEncoder().encode(DEFLATED_ENCODING) }, data: deflateRawSync(Buffer.alloc(5 * 1024 * 1024)) });
    await assert.rejects(codec.decode([bomb]), (err: unknown) => err instanceof PayloadCodecError && /does not inflate/.test(err.message));
  });

  it('deflates with the preset dictionary: an order’s view is stored in about a quarter of its bytes, under two thirds of what deflate alone stored', async () => {
    const codec = encryptionCodec(keyRing([k1], 'k1'));
    const view = deliveredOrderView();
    const plain = converter.toPayload(view);
    const [sealed] = await codec.encode([plain]);
    const before = sealedByHand(k1, { metadata: { encoding: new TextEncoder().encode(DEFLATED_ENCODING) }, data: deflateRawSync(PayloadMessage.encode(plain).finish(), { level: 1 }) });
    const stored = `stored in ${sealed!.data!.length} bytes; deflated alone, ${before.data!.length}; as JSON, ${plain.data!.length}`;
    assert.ok(sealed!.data!.length < (2 / 3) * before.data!.length, stored);
    assert.ok(sealed!.data!.length < 0.3 * plain.data!.length, stored);
    assert.ok(!text(sealed!.data).includes(DICTIONARY_METADATA), 'which dictionary is inside the envelope');
    const [opened] = await codec.decode([sealed!]);
    assert.deepEqual(converter.fromPayload(opened!), view);
  });

  it('decodes what was deflated without a dictionary before it had one', async () => {
    const codec = encryptionCodec(keyRing([k1], 'k1'));
    const plain = converter.toPayload(deliveredOrderView());
    const older = sealedByHand(k1, { metadata: { encoding: new TextEncoder().encode(DEFLATED_ENCODING) }, data: deflateRawSync(PayloadMessage.encode(plain).finish(), { level: 1 }) });
    const [opened] = await codec.decode([older]);
    assert.deepEqual(converter.fromPayload(opened!), deliveredOrderView());
  });

  it('refuses a payload deflated with a dictionary it does not know, naming it', async () => {
    const codec = encryptionCodec(keyRing([k1], 'k1'));
    const deflated = deflateRawSync(PayloadMessage.encode(converter.toPayload(buyer)).finish(), { dictionary: Buffer.from('some other dictionary') });
    const foreign = sealedByHand(k1, { metadata: { encoding: new TextEncoder().encode(DEFLATED_ENCODING), [DICTIONARY_METADATA]: new TextEncoder().encode('orders-9') }, data: deflated });
    await assert.rejects(
      codec.decode([foreign]),
      (err: unknown) => err instanceof PayloadCodecError && /deflated with the dictionary "orders-9", which this process does not know \(it knows: orders-1\)/.test(err.message),
    );
  });

  it('keeps every dictionary a payload may name byte for byte (a payload deflated with one decodes only with exactly it)', () => {
    const digests = Object.fromEntries([...DEFLATE_DICTIONARIES].map(([id, bytes]) => [id, createHash('sha256').update(bytes).digest('hex')]));
    assert.deepEqual(digests, { 'orders-1': 'b8360b2035edf6370c8dae7e092343ae85596beaecd57fc2a8ec636d83bc0441' });
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
