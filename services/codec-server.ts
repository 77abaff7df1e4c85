/**
 * The codec server's work (issue 19 §5, W-19): Temporal's codec server protocol lets the Web UI
 * (and `temporal workflow show --codec-endpoint`) send the payloads of a history and get them
 * back decoded, or encoded. It runs the payloads through the API client's own codecs, the
 * ones the worker shares (codec/payload-codec.ts), so it reads exactly what gigflow wrote.
 * Who may call it is the route's business (api/routes/codec.ts: staff only).
 */
import type { Client } from '@temporalio/client';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { payloadFromJson, payloadToJson, PayloadCodecError, type JsonPayload } from '../codec/payload-codec.js';
import { AppError } from '../workflows/lib/errors.js';

export interface CodecServer {
  /** The namespace whose payloads these codecs read: the API client's. */
  namespace: string;
  decode(payloads: JsonPayload[]): Promise<ReturnType<typeof payloadToJson>[]>;
  encode(payloads: JsonPayload[]): Promise<ReturnType<typeof payloadToJson>[]>;
}

export function createCodecServer(temporal: Client): CodecServer {
  const codecs: readonly PayloadCodec[] = temporal.options.loadedDataConverter.payloadCodecs;
  // As the SDK applies them: encode through the list in order, decode in reverse.
  const run = async (payloads: JsonPayload[], step: (codec: PayloadCodec, p: Payload[]) => Promise<Payload[]>, order: readonly PayloadCodec[]) => {
    let current = payloads.map(payloadFromJson);
    try {
      for (const codec of order) current = await step(codec, current);
    } catch (err) {
      if (err instanceof PayloadCodecError) throw new AppError('undecodable_payload', err.message);
      throw err;
    }
    return current.map(payloadToJson);
  };
  return {
    namespace: temporal.options.namespace,
    decode: (payloads) => run(payloads, (codec, p) => codec.decode(p), [...codecs].reverse()),
    encode: (payloads) => run(payloads, (codec, p) => codec.encode(p), codecs),
  };
}
