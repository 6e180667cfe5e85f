import { randomUUID } from 'node:crypto';
import { openStore } from '../../entities/index.ts';
import type { Connection } from '../connection/index.ts';
import type { Print } from './print.ts';


const waitFor = async (condition: () => boolean, timeoutMs: number, what: string) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

/** Live subscribers printing changes from DynamoDB Streams while the demo writes. */
export async function runStreamsDemo(connection: Connection, tableName: string, print: Print = console.log): Promise<void> {
  const store = await openStore({ connection, tableName });
  const { users, changeLog } = store;
  const counts = new Map<string, number>();
  let feedLive = false;
  const stopTableFeed = store.table.changes().subscribe({
    next: (change) => {
      const key = `${change.entity}:${change.type}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    },
    start: () => (feedLive = true),
  });
  try {
    await waitFor(() => feedLive, 10_000, 'the table feed to start');
    print('\nStreams (read from the table\'s DynamoDB Stream, no Lambda needed):');
    const ada = await users.addAutoIdentified({ email: `stream.${randomUUID().slice(0, 8)}@example.com`, firstName: 'Ada', lastName: 'Live', isActive: true }, (o, userId) => ({ ...o, userId }));
    const emissions: string[] = [];
    const acknowledged = new Map<number, number>();
    const latencies: number[] = [];
    let completed = false;
    const stopUser = users.stream(ada.userId).subscribe({
      next: (user) => {
        const at = acknowledged.get(user.version);
        if (at !== undefined) latencies.push(performance.now() - at);
        emissions.push(`v${user.version} ${user.lastName}`);
        print(`  users.stream → v${user.version} ${user.firstName} ${user.lastName}`);
      },
      complete: () => {
        completed = true;
        print('  users.stream → complete (the user was deleted)');
      },
    });
    await waitFor(() => emissions.length === 1, 10_000, 'the initial value');
    for (const lastName of ['Lovelace', 'Byron', 'King']) {
      const updated = await users.update(ada.userId, (user) => ({ ...user, lastName }));
      acknowledged.set(updated.version, performance.now());
      await waitFor(() => emissions.length === updated.version, 10_000, `version ${updated.version}`);
    }
    await users.delete(ada.userId);
    await waitFor(() => completed, 10_000, 'completion');
    stopUser();
    const sorted = [...latencies].sort((a, b) => a - b);
    print(`  write acknowledged → emission: ${sorted.map((ms) => `${ms.toFixed(0)} ms`).join(', ')}`);

    const projectId = `live-${randomUUID().slice(0, 8)}`;
    await changeLog.appendMany(projectId, Array.from({ length: 5 }, (_, i) => ({ entityType: 'doc', entityId: `d${i}`, operation: 'create' as const, data: {} })));
    const followed: number[] = [];
    const stopFollow = changeLog.follow(projectId, { fromSeq: 2 }).subscribe((change) => followed.push(change.seq));
    await Promise.all(Array.from({ length: 3 }, (_, writer) => changeLog.appendMany(projectId, Array.from({ length: 10 }, (_, i) => ({ entityType: 'doc', entityId: `w${writer}-${i}`, operation: 'create' as const, data: {} })))));
    await waitFor(() => followed.length === 33, 10_000, 'the followed changes');
    stopFollow();
    const inOrder = followed.every((seq, index) => seq === index + 3);
    print(`  changeLog.follow(fromSeq 2): seqs ${followed[0]}..${followed.at(-1)} (${followed.length}, history then live, ${inOrder ? 'strictly in order, no gap' : 'OUT OF ORDER'})`);
    if (!inOrder) throw new Error('follow() delivered out of order');
    await waitFor(() => (counts.get('change:insert') ?? 0) >= 35, 10_000, 'the table feed');
    print(`  table.changes() saw: ${[...counts].map(([key, count]) => `${count} ${key}`).join(', ')}`);
  } finally {
    stopTableFeed();
    await store.close();
  }
}
