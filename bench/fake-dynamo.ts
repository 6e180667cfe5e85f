import { Readable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Connection } from 'tablekit';

type Json = Record<string, unknown>;

/**
 * Answers PutItem, GetItem, Query and UpdateItem from a map of items, whatever their encoding:
 * a Query by e-mail returns the item put with that gsi1pk, an UpdateItem the stored item as it
 * was (ALL_NEW without the update applied). Enough for the put / get / query / save / patch
 * rounds, which only address items they put first.
 */
function answerer() {
  const items = new Map<string, Json>();
  const byEmail = new Map<string, Json>();
  const keyOf = (key: Json) => JSON.stringify([key.pk, key.sk]);
  // Wire format ({ S: '…' }) or DocumentClient values alike: the e-mail key value, wherever a contender put it.
  const emailOf = (values: unknown) => JSON.stringify(values ?? {}).match(/\$tablekit#email_[^"]*/)?.[0] ?? '';
  return (operation: string, input: Json): Json => {
    switch (operation) {
      case 'PutItem': {
        const item = input.Item as Json;
        items.set(keyOf(item), item);
        byEmail.set(emailOf(item.gsi1pk), item);
        return {};
      }
      case 'GetItem': {
        const item = items.get(keyOf(input.Key as Json));
        return item ? { Item: item } : {};
      }
      case 'Query': {
        const found = byEmail.get(emailOf(input.ExpressionAttributeValues));
        return { Items: found ? [found] : [], Count: found ? 1 : 0, ScannedCount: found ? 1 : 0 };
      }
      case 'UpdateItem': {
        const item = items.get(keyOf(input.Key as Json));
        return item ? { Attributes: item } : {};
      }
      default:
        return {};
    }
  };
}

/**
 * A DynamoDBClient whose requestHandler answers instantly from memory. The whole SDK path
 * (middleware, signing, serialisation, parsing) still runs, so the time per operation is the
 * client's own cost: the "no network" measurement (D).
 */
export function fakeDynamoClient(): DynamoDBClient {
  return new DynamoDBClient(fakeDynamoSettings());
}

/** Where the stub answers: settings for a client, or for `connect()` (which then creates the client as it does for an endpoint). */
export function fakeDynamoSettings() {
  const answer = answerer();
  return {
    region: 'local',
    endpoint: 'http://fake-dynamodb.invalid',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    requestHandler: {
      handle: async (request: { headers: Record<string, string>; body?: unknown }) => {
        const target = (request.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
        const raw = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body as Uint8Array);
        const body = JSON.stringify(answer(target, JSON.parse(raw) as Json));
        return {
          response: {
            statusCode: 200,
            reason: 'OK',
            headers: { 'content-type': 'application/x-amz-json-1.0', 'content-length': String(Buffer.byteLength(body)) },
            body: Readable.from([Buffer.from(body)]),
          },
        };
      },
    } as never,
  };
}

/**
 * A connection whose client answers from memory without the SDK: what is left is tablekit's own
 * request building (validation, keys, expressions, conversion to the wire format) and decoding (A).
 */
export function stubConnection(): Connection {
  const answer = answerer();
  const client = {
    send: async (command: { constructor: { name: string }; input: Json }) => answer(command.constructor.name.replace(/Command$/, ''), command.input),
  } as unknown as DynamoDBClient;
  const doc = DynamoDBDocumentClient.from(fakeDynamoClient());
  return { client, doc, source: 'client', endpoint: undefined, region: 'local', local: undefined, close: async () => undefined };
}
