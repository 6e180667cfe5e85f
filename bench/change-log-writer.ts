/**
 * One process of the "2 processes × 4 writers" run: its own connection and ChangeLog (group
 * commit inside), appending to the project the other process appends to. Prints `ready`, waits
 * for a line on stdin, then prints its result as JSON.
 */
import { once } from 'node:events';
import { connect } from 'tablekit';
import { ChangeLog } from 'tablekit/services';
import { ChangeLogTable } from './tables.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { TABLE, PROJECT, LABEL = 'p', WRITERS = '4', PER_WRITER = '50', ENTITIES = '10' } = process.env;
if (!TABLE || !PROJECT) throw new Error('TABLE and PROJECT are required');
const connection = await connect();
try {
  const log = new ChangeLog(ChangeLogTable.bind(connection, { tableName: TABLE }));
  // Warm the JIT and the connection on a project of its own, so the measured run compares with the in-process ones.
  for (let index = 0; index < 40; index++)
    await log.append(`${PROJECT}-warm-${LABEL}`, { entityType: 'doc', entityId: `w-${index % 4}`, operation: 'update', data: { index } });
  const warm = { ...log.counters };
  console.log('ready');
  await once(process.stdin, 'data');
  const started = performance.now();
  const seqs = await Promise.all(
    Array.from({ length: Number(WRITERS) }, async (_, writer) => {
      const mine: number[] = [];
      for (let index = 0; index < Number(PER_WRITER); index++) {
        const entityId = `doc-${LABEL}-${writer}-${index % Number(ENTITIES)}`;
        mine.push((await log.append(PROJECT, { entityType: 'doc', entityId, operation: 'update', data: { label: LABEL, writer, index } })).seq);
      }
      return mine;
    }),
  );
  const counters = { transactions: log.counters.transactions - warm.transactions, conflicts: log.counters.conflicts - warm.conflicts };
  console.log(JSON.stringify({ label: LABEL, seqs, counters, seconds: (performance.now() - started) / 1000 }));
} finally {
  await connection.close();
}
