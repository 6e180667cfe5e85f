import { randomUUID } from 'node:crypto';
import type { Store } from '../entities/index.ts';
import { check, shortId, waitFor, type Print } from './print.ts';

/** Live subscribers fed by the table's DynamoDB Stream while the tour writes (no Lambda needed). */
export async function runStreamsTour(store: Store, print: Print): Promise<void> {
  const { changeLog } = store;
  const users = store.entities.user;
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
    print("\nStreams (read from the table's DynamoDB Stream)");
    const ada = await users.create({ userId: randomUUID(), email: `stream.${shortId()}@example.com`, firstName: 'Ada', lastName: 'Live', isActive: true });
    // An emission can beat the continuation after `await patch()`: keep emission times, pair them afterwards.
    const emissions: { version: number; text: string; at: number }[] = [];
    let completed = false;
    const stopUser = users.stream(ada.userId).subscribe({
      next: (user) => emissions.push({ version: user.version, text: `v${user.version} ${user.firstName} ${user.lastName}`, at: performance.now() }),
      complete: () => (completed = true),
    });
    await waitFor(() => emissions.length === 1, 10_000, 'the initial value');
    print(`  user.stream → ${emissions[0]?.text} (the current item)`);
    for (const lastName of ['Lovelace', 'Byron']) {
      const updated = await users.patch(ada.userId, { set: { lastName } });
      const written = performance.now();
      await waitFor(() => emissions.length === updated.version, 10_000, `version ${updated.version} to arrive`);
      const emission = emissions[updated.version - 1];
      print(`  user.stream → ${emission?.text} (${Math.max(0, (emission?.at ?? written) - written).toFixed(0)} ms after patch() returned)`);
    }
    await users.delete(ada.userId);
    await waitFor(() => completed, 10_000, 'completion');
    print('  user.stream → complete (the user was deleted)');
    stopUser();
    const seen = emissions.map((emission) => emission.text).join(', ');
    check(seen === 'v1 Ada Live, v2 Ada Lovelace, v3 Ada Byron', `every live write arrived in order (got ${seen})`);

    const projectId = `live-${shortId()}`;
    await changeLog.appendMany(
      projectId,
      Array.from({ length: 5 }, (_, i) => ({ entityType: 'doc', entityId: `d${i}`, operation: 'create' as const, data: {} })),
    );
    const followed: number[] = [];
    const stopFollow = changeLog.follow(projectId, { fromSeq: 2 }).subscribe((change) => followed.push(change.seq));
    await Promise.all(
      Array.from({ length: 3 }, (_, writer) =>
        changeLog.appendMany(
          projectId,
          Array.from({ length: 10 }, (_, i) => ({ entityType: 'doc', entityId: `w${writer}-${i}`, operation: 'create' as const, data: {} })),
        ),
      ),
    );
    await waitFor(() => followed.length === 33, 10_000, 'the followed changes');
    stopFollow();
    const inOrder = followed.every((seq, index) => seq === index + 3);
    print(
      `  changeLog.follow(fromSeq 2) → seqs ${followed[0]}..${followed.at(-1)} (${followed.length}: history then live, ${inOrder ? 'in order, no gap' : 'OUT OF ORDER'})`,
    );
    check(inOrder, 'follow() delivers every seq once, in order');
    await waitFor(() => (counts.get('change:insert') ?? 0) >= 35, 10_000, 'the table feed');
    print(`  table.changes() saw: ${[...counts].map(([key, count]) => `${count} ${key}`).join(', ')}`);
  } finally {
    stopTableFeed();
  }
}
