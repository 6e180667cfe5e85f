/**
 * A child process of change-log-processes.test.ts: WRITERS concurrent writers append to one
 * project through this process's own ChangeLog (group commit inside, optimistic retries against
 * the other process). Prints `ready`, waits for a line on stdin, then prints its result as JSON.
 */
import { once } from 'node:events';
import { openStore } from '../../entities/index.ts';

const { TABLE, PROJECT, LABEL = 'p', WRITERS = '4', PER_WRITER = '25' } = process.env;
if (!TABLE || !PROJECT) throw new Error('TABLE and PROJECT are required');
const store = await openStore({ tableName: TABLE, ensureTable: false });
try {
  console.log('ready');
  await once(process.stdin, 'data');
  const seqs = await Promise.all(
    Array.from({ length: Number(WRITERS) }, async (_, writer) => {
      const mine: number[] = [];
      for (let index = 0; index < Number(PER_WRITER); index++) {
        // Every fifth append is a batch of two, so both paths meet the other process.
        const parts = index % 5 === 4 ? [0, 1] : [0];
        const stored = await store.changeLog.appendMany(
          PROJECT,
          parts.map((part) => ({
            entityType: 'doc',
            entityId: `doc-${(writer + index + part) % 7}`,
            operation: 'update' as const,
            data: { label: LABEL, writer, index, part },
          })),
        );
        mine.push(...stored.map((item) => item.seq));
      }
      return mine;
    }),
  );
  console.log(JSON.stringify({ label: LABEL, seqs, counters: store.changeLog.counters }));
} finally {
  await store.close();
}
