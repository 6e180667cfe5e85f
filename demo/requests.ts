import type { Connection } from 'tablekit';

/** The DynamoDB requests sent through a connection since the last `take()`. */
export interface RequestLog {
  take(): string[];
}

/** Records the name of every request the connection's client sends (a middleware on its stack, shared by the DocumentClient). */
export function logRequests(connection: Connection): RequestLog {
  const sent: string[] = [];
  connection.client.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push(String(context.commandName).replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize', name: 'tablekitDemoRequestLog' },
  );
  return { take: () => sent.splice(0) };
}

/** `1 UpdateItem`, `1 GetItem + 1 TransactWriteItems`, `no request`. */
export function describeRequests(names: readonly string[]): string {
  if (names.length === 0) return 'no request';
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts].map(([name, count]) => `${count} ${name}`).join(' + ');
}
