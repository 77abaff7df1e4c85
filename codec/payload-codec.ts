/**
 * Encryption of every payload gigflow stores in Temporal (issue 19 §5, W-19: histories hold
 * names, messages and invoicing data, kept as EU law asks). A Temporal `PayloadCodec` with
 * AES-256-GCM: the client (the API's `services/temporal-client.ts`) and the worker
 * (`worker.ts`) both encode and decode through it, in their main thread (the workflow sandbox
 * never sees ciphertext); the codec server (`POST /codec/decode`) lets staff read histories in
 * the Temporal Web UI.
 *
 * An encrypted payload is `{ metadata: { encoding: binary/encrypted, encryption-key-id: <id> },
 * data: iv ‖ ciphertext ‖ tag }`, where the plaintext is the original payload as protobuf
 * (`temporal.api.common.v1.Payload`, so its own encoding travels inside, as Temporal's samples
 * and other SDKs' codecs lay it out), and the key id is authenticated as associated data.
 * Rotation: add a key and make it the one that encrypts; every key of the ring still decrypts.
 * A payload without the encrypted encoding passes through, so histories written before
 * encryption (and the plain fixtures of test/replay) still decode.
 *
 * Inside the envelope, a payload of `COMPRESS_FROM` bytes or more is deflated first (issue 19
 * §3): the plaintext is then `{ metadata: { encoding: binary/deflate, deflate-dictionary: <id> },
 * data: deflate(payload as protobuf) }`, deflated with the preset dictionary that id names
 * (`deflate-dictionary.ts`: what every order's payloads share). Every byte a history holds costs
 * the worker and Temporal's server CPU at each step it passes (the benchmark measured about 0.8
 * CPU-ms per lifecycle for each KB an order's Updates return), and an order's views, JSON, are
 * stored in about a quarter of their bytes (under half without the dictionary). Only the
 * envelope's total length shows compression, never what it compressed; envelopes written before
 * (no compression, or deflate without a dictionary) decode as ever.
 *
 * This room (codec/) imports none of gigflow's others: the API's client, the worker, scripts
 * and tests all load it (test/support/wiring.ts).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Payload, PayloadCodec } from '@temporalio/common';
import protobuf from 'protobufjs';
import { DEFLATE_DICTIONARIES, DEFLATE_WITH } from './deflate-dictionary.js';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** The encoding, inside the envelope, of a payload deflated before it was encrypted. */
export const DEFLATED_ENCODING = 'binary/deflate';
/** The metadata key, inside the envelope, naming the preset dictionary a payload was deflated with (none: without one). */
export const DICTIONARY_METADATA = 'deflate-dictionary';
/** Payloads from this size (as protobuf) are deflated: below it, deflate saves too few bytes for its CPU. */
const COMPRESS_FROM = 512;
/** A deflated payload inflates to at most this (Temporal refuses payloads past 2 MB): no zip bomb through the codec server. */
const INFLATE_AT_MOST = 4 * 1024 * 1024;
/** The metadata key naming the key a payload was encrypted with. */
export const KEY_ID_METADATA = 'encryption-key-id';
/** AES-256: keys are this many bytes. */
export const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** One key of the ring: its id (stored in every payload it encrypts) and its 32 bytes. */
export interface PayloadKey {
  id: string;
  key: Uint8Array;
}

/** The keys a process holds: all of them decrypt; `encryptWith` names the one that encrypts. */
export interface KeyRing {
  keys: readonly PayloadKey[];
  encryptWith: string;
}

/** A payload the codec cannot decrypt: an unknown key id, or bytes that fail authentication. */
export class PayloadCodecError extends Error {
  override name = 'PayloadCodecError';
}

/** `temporal.api.common.v1.Payload`'s two fields, as protobuf encodes them. */
const PayloadMessage = new protobuf.Type('Payload')
  .add(new protobuf.MapField('metadata', 1, 'string', 'bytes'))
  .add(new protobuf.Field('data', 2, 'bytes'));
new protobuf.Root().add(PayloadMessage);

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A ring whose ids are unique, whose keys are 32 bytes and which holds the key that encrypts. */
export function keyRing(keys: readonly PayloadKey[], encryptWith: string): KeyRing {
  const ids = new Set<string>();
  for (const { id, key } of keys) {
    if (ids.has(id)) throw new PayloadCodecError(`payload key id "${id}" is listed twice`);
    if (key.length !== KEY_BYTES) throw new PayloadCodecError(`payload key "${id}" has ${key.length} bytes; AES-256 needs ${KEY_BYTES}`);
    ids.add(id);
  }
  if (!ids.has(encryptWith)) throw new PayloadCodecError(`the encrypting key "${encryptWith}" is not among the payload keys (${[...ids].join(', ')})`);
  return { keys, encryptWith };
}

/** The AES-256-GCM codec over `ring`. */
export function encryptionCodec(ring: KeyRing): PayloadCodec {
  const byId = new Map(ring.keys.map(({ id, key }) => [id, key]));
  const current = byId.get(ring.encryptWith)!;
  const keyIdBytes = encoder.encode(ring.encryptWith);
  return {
    async encode(payloads) {
      return payloads.map((payload) => encrypt(payload, current, keyIdBytes));
    },
    async decode(payloads) {
      return payloads.map((payload) => decrypt(payload, byId));
    },
  };
}

/** A payload as protobuf: what the envelope encrypts, and what deflate packs. */
function serialized(payload: Payload): Uint8Array {
  return PayloadMessage.encode(PayloadMessage.create({ metadata: payload.metadata ?? {}, data: payload.data ?? new Uint8Array() })).finish();
}

const deflateDictionary = DEFLATE_DICTIONARIES.get(DEFLATE_WITH)!;
const deflatedMetadata = { encoding: encoder.encode(DEFLATED_ENCODING), [DICTIONARY_METADATA]: encoder.encode(DEFLATE_WITH) };

/** The payload deflated (as `DEFLATED_ENCODING`, with `DEFLATE_WITH`'s dictionary) when it is large enough and deflate makes it smaller; else as it is. */
function packed(payload: Payload): Uint8Array {
  const plain = serialized(payload);
  if (plain.length < COMPRESS_FROM) return plain;
  // Level 1: most of the saving, for a fraction of the default level's CPU.
  const deflated = deflateRawSync(plain, { level: 1, dictionary: deflateDictionary });
  return deflated.length < plain.length ? serialized({ metadata: deflatedMetadata, data: deflated }) : plain;
}

function encrypt(payload: Payload, key: Uint8Array, keyId: Uint8Array): Payload {
  const plain = packed(payload);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(keyId);
  const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  return { metadata: { encoding: encoder.encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: keyId }, data: new Uint8Array(sealed) };
}

function decrypt(payload: Payload, keys: ReadonlyMap<string, Uint8Array>): Payload {
  const encoding = payload.metadata?.encoding;
  if (!encoding || decoder.decode(encoding) !== ENCRYPTED_ENCODING) return payload;
  const keyIdBytes = payload.metadata?.[KEY_ID_METADATA];
  if (!keyIdBytes) throw new PayloadCodecError(`an encrypted payload without the ${KEY_ID_METADATA} metadata`);
  const keyId = decoder.decode(keyIdBytes);
  const key = keys.get(keyId);
  if (!key) {
    throw new PayloadCodecError(`a payload encrypted with key "${keyId}", which this process does not hold (it holds: ${[...keys.keys()].join(', ')}): add it to PAYLOAD_KEYS`);
  }
  const data = payload.data ?? new Uint8Array();
  if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadCodecError(`an encrypted payload of ${data.length} bytes is too short to be one`);
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
    decipher.setAAD(keyIdBytes);
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new PayloadCodecError(`a payload encrypted with key "${keyId}" fails authentication: its bytes were altered, or the key under that id changed`);
  }
  return unpacked(parsed(plain));
}

/** A payload as the envelope's plaintext holds it: every field present. */
type Plain = { metadata: Record<string, Uint8Array>; data: Uint8Array };

function parsed(bytes: Uint8Array): Plain {
  return PayloadMessage.toObject(PayloadMessage.decode(bytes), { defaults: true }) as Plain;
}

/** The envelope's plaintext payload, inflated if it was deflated. */
function unpacked(inner: Plain): Payload {
  const encoding = inner.metadata.encoding;
  if (!encoding || decoder.decode(encoding) !== DEFLATED_ENCODING) return inner;
  const dictionaryId = inner.metadata[DICTIONARY_METADATA];
  const dictionary = dictionaryId ? DEFLATE_DICTIONARIES.get(decoder.decode(dictionaryId)) : undefined;
  if (dictionaryId && !dictionary) {
    throw new PayloadCodecError(`a payload deflated with the dictionary "${decoder.decode(dictionaryId)}", which this process does not know (it knows: ${[...DEFLATE_DICTIONARIES.keys()].join(', ')})`);
  }
  let plain: Buffer;
  try {
    plain = inflateRawSync(inner.data, { maxOutputLength: INFLATE_AT_MOST, ...(dictionary ? { dictionary } : {}) });
  } catch {
    throw new PayloadCodecError(`a deflated payload does not inflate (to at most ${INFLATE_AT_MOST} bytes)`);
  }
  return parsed(plain);
}

/** A payload as the codec server protocol (and Temporal's JSON histories) write it: base64 fields. */
export interface JsonPayload {
  metadata?: Record<string, string> | null;
  data?: string | null;
}

export function payloadFromJson(json: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(json.metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
    data: new Uint8Array(Buffer.from(json.data ?? '', 'base64')),
  };
}

export function payloadToJson(payload: Payload): { metadata: Record<string, string>; data: string } {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')])),
    data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
  };
}

/**
 * The codec a process's configuration (config.ts's PAYLOAD_KEYS, PAYLOAD_KEY_ID) asks for,
 * encrypting with PAYLOAD_KEY_ID or else the last key listed; none without keys, and payloads
 * then stay plain.
 */
export function configuredCodec(config: { PAYLOAD_KEYS?: readonly PayloadKey[] | undefined; PAYLOAD_KEY_ID?: string | undefined }): PayloadCodec | undefined {
  const keys = config.PAYLOAD_KEYS;
  if (!keys || keys.length === 0) return undefined;
  return encryptionCodec(keyRing(keys, config.PAYLOAD_KEY_ID ?? keys.at(-1)!.id));
}
