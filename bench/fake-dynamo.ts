import { Readable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

type Json = Record<string, unknown>;

/**
 * A DynamoDBClient whose requestHandler answers instantly from memory. The whole SDK path
 * (middleware, signing, serialisation, parsing) still runs, so the time per operation is the
 * client's own cost: the "no network" measurement of PERFORMANCE.md.
 */
export function fakeDynamoClient(): DynamoDBClient {
  const items = new Map<string, Json>();
  let last: Json | undefined;
  const keyOf = (key: Json) => JSON.stringify([key.pk, key.sk]);
  const answer = (target: string, input: Json): Json => {
    switch (target) {
      case 'PutItem':
        last = input.Item as Json;
        items.set(keyOf(last), last);
        return {};
      case 'GetItem': {
        const item = items.get(keyOf(input.Key as Json));
        return item ? { Item: item } : {};
      }
      case 'Query':
        return { Items: last ? [last] : [], Count: last ? 1 : 0, ScannedCount: last ? 1 : 0 };
      default:
        return {};
    }
  };
  return new DynamoDBClient({
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
  });
}
