/**
 * `npm run chaos [-- --seconds 60 --writers 6 --fault-rate 0.1 --no-pauses --no-kills]`: a workload of writers (entity
 * API, bulk, change log, outbox) against DynamoDB Local while the database is paused (SIGSTOP /
 * SIGCONT) and killed (kill -9, restarted on the same data), and 10 % of SDK calls fail
 * (throttling, 5xx, connection resets before and after the request, transaction conflicts).
 * Then it checks what was acknowledged against what is stored and prints the findings.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runChaos, type ChaosReport } from './workload.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    writers: { type: 'string', default: '6' },
    'fault-rate': { type: 'string', default: '0.1' },
    // Node 20's parseArgs has no --no-<flag>: the negations are flags of their own.
    'no-pauses': { type: 'boolean', default: false },
    'no-kills': { type: 'boolean', default: false },
  },
});

const dbPath = mkdtempSync(join(tmpdir(), 'tablekit-chaos-'));
try {
  const report: ChaosReport = await runChaos({
    seconds: Number(values.seconds),
    writers: Number(values.writers),
    faultRate: Number(values['fault-rate']),
    pauses: !values['no-pauses'],
    kills: !values['no-kills'],
    dbPath,
    log: (line) => console.log(line),
  });
  console.log(`\n${report.markdown}`);
  process.exitCode = report.violations.length > 0 ? 1 : 0;
} finally {
  rmSync(dbPath, { recursive: true, force: true });
}
