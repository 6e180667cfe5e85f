import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Connection } from '../connection/index.ts';
import { isRepositoryError } from '../errors/index.ts';
import type { BoundTable, EntityClient, EntityMap, TableDefinition } from '../table/index.ts';
import { step, type Print } from './print.ts';

type Item = Record<string, unknown>;


/** Items the demo writes: one account with progress in three videos, and a small project change log. */
function sampleData(): Record<string, Item[]> {
  const userId = randomUUID();
  const email = `ada.${userId.slice(0, 8)}@example.com`;
  const now = Date.now();
  const iso = (offsetMinutes: number) => new Date(now - offsetMinutes * 60_000).toISOString();
  const ttl = Math.floor(now / 1000) + 90 * 86_400;
  const projectId = `demo-${userId.slice(0, 8)}`;
  return {
    // Refresh tokens are stored only as SHA-256 hashes.
    user: [{ userId, email, firstName: 'Ada', lastName: 'Lovelace', isActive: true, refreshTokenHash: createHash('sha256').update(randomBytes(32)).digest('hex') }],
    emailClaim: [{ email, userId }],
    videoProgress: [
      { userId, videoId: 'intro', positionSeconds: 1200, durationSeconds: 1200, completed: true, updatedAt: iso(90), ttl },
      { userId, videoId: 'modelling', positionSeconds: 300, durationSeconds: 1800, completed: false, updatedAt: iso(30), ttl },
      { userId, videoId: 'streams', positionSeconds: 42, durationSeconds: 900, completed: false, updatedAt: iso(5), ttl },
    ],
    change: [1, 2, 3].map((seq) => ({
      projectId,
      seq,
      entityType: 'document',
      entityId: seq === 3 ? 'doc-2' : 'doc-1',
      operation: seq === 1 || seq === 3 ? 'create' : 'update',
      timestamp: iso(10 - seq),
      data: { title: `Draft ${seq}` },
    })),
    changeHead: [
      { projectId, entityType: 'document', entityId: 'doc-1', latestSeq: 2, operation: 'update' },
      { projectId, entityType: 'document', entityId: 'doc-2', latestSeq: 3, operation: 'create' },
    ],
    sequence: [{ projectId, value: 3 }],
  };
}

function pick(item: Item, fields: readonly string[]): Item {
  return Object.fromEntries(fields.map((field) => [field, item[field]]));
}

/** Writes and reads every entity and runs every declared access pattern, printing timings. */
export async function runDemo<E extends EntityMap>(
  definition: TableDefinition<E>,
  connection: Connection,
  options: { tableName?: string; print?: Print } = {},
): Promise<void> {
  const print = options.print ?? console.log;
  const table: BoundTable<E> = definition.bind(connection, options.tableName ? { tableName: options.tableName } : {});
  const clients = table.entities as Record<string, EntityClient<E[keyof E]>>;
  print(`\nTable '${table.tableName}' on ${connection.endpoint ?? `AWS ${connection.region}`} (${connection.source})`);
  await step('ensure table (create, wait ACTIVE, TTL)', print, () => table.ensure(), (r) => (r.created ? 'created' : 'already there'));

  const data = sampleData();
  print('\nWrites (zod-validated, keys by ElectroDB, conditional create):');
  for (const [entity, items] of Object.entries(data)) {
    const client = clients[entity];
    if (!client) continue;
    for (const item of items) await step(`create ${entity}`, print, () => client.create(item as never), () => 'ok');
  }

  print('\nReads by primary key (GetItem):');
  for (const [entity, items] of Object.entries(data)) {
    const client = clients[entity];
    const first = items[0];
    if (!client || !first) continue;
    await step(`get ${entity}`, print, () => client.get(pick(first, client.definition.idFields) as never), (found) => (found ? 'found' : 'MISSING'));
  }

  print('\nEvery declared access pattern (Query, never Scan):');
  for (const pattern of definition.patterns) {
    const client = clients[pattern.entity];
    const first = data[pattern.entity]?.[0];
    if (!client || !first) continue;
    const label = `${pattern.entity}.${pattern.pattern} (${pattern.indexName ?? 'table'})`;
    const page = await step(label, print, () => client.query(pattern.pattern as never, pick(first, pattern.template.pk) as never), (r) => `${r.items.length} item(s)`);
    if (page.items.length === 0) throw new Error(`access pattern ${label} returned nothing`);
  }

  const user = data.user?.[0] as Item;
  const collections = table.electro.service.collections as Record<string, (key: Item) => { go(): Promise<{ data: Record<string, unknown[]> }> }>;
  const account = collections.account;
  if (account) {
    print('\nCollection (one Query, several entities):');
    await step('account: user + video progress', print, () => account({ userId: user.userId }).go(), (r) =>
      Object.entries(r.data).map(([name, items]) => `${items.length} ${name}`).join(', '),
    );
  }

  print('\nBad input is rejected before anything is sent:');
  const userClient = clients.user;
  if (userClient) {
    try {
      await userClient.create({ ...user, userId: randomUUID(), email: 'not-an-email', nickname: 'x' } as never);
      throw new Error('invalid user was accepted');
    } catch (error) {
      if (!isRepositoryError(error, 'validation')) throw error;
      print(`  RepositoryError(${error.code}): ${error.message}`);
    }
  }

  print('\nClean up (the demo leaves nothing behind):');
  for (const [entity, items] of Object.entries(data)) {
    const client = clients[entity];
    if (!client) continue;
    await step(`delete ${items.length} ${entity}`, print, () => Promise.all(items.map((item) => client.delete(pick(item, client.definition.idFields) as never))), (r) => `${r.filter(Boolean).length} deleted`);
  }
}
