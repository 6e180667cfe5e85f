import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** The DynamoDB requests a client sent since the last `take()`. */
export interface RequestCounter {
  take(): string[];
}

const counters = new WeakMap<DynamoDBClient, RequestCounter>();

/**
 * Records the operation name of every request sent through the client (a middleware on its
 * stack, which the DocumentClient shares). Installed once per client.
 */
export function countRequests(client: DynamoDBClient): RequestCounter {
  const existing = counters.get(client);
  if (existing) return existing;
  const sent: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push(String(context.commandName).replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize', name: 'benchRequestCounter' },
  );
  const counter = { take: () => sent.splice(0) };
  counters.set(client, counter);
  return counter;
}

/** Requests per operation: `1 UpdateItem`, `1 GetItem + 1 TransactWriteItems`. */
export function perOperation(sent: readonly string[], operations: number): string {
  if (sent.length === 0) return '0';
  const counts = new Map<string, number>();
  for (const name of sent) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts].map(([name, count]) => `${+(count / operations).toFixed(2)} ${name}`).join(' + ');
}
