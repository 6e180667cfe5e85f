/**
 * A small chaos run (the full one is `npm run chaos`): writers on every write path while 10 % of
 * SDK calls fail, the database is paused and killed and restarted on its data. Nothing
 * acknowledged may be lost or duplicated, the change log stays gapless, and every call returns.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { runChaos } from '../../chaos/workload.ts';

test('chaos: faults, pauses and a kill -9 lose nothing acknowledged, duplicate nothing, leave no gap and no hung call', async (t) => {
  const dbPath = mkdtempSync(join(tmpdir(), 'tablekit-chaos-test-'));
  t.teardown(() => rmSync(dbPath, { recursive: true, force: true }));
  const report = await runChaos({ seconds: 14, writers: 3, faultRate: 0.1, pauses: true, kills: true, killEverySeconds: 5, dbPath });
  t.log(report.markdown);
  t.deepEqual(report.violations, []);
  t.true(report.processFaults.kills >= 1, 'the database was killed and restarted');
  t.true(report.processFaults.pauses >= 1, 'the database was paused');
  t.true(Object.values(report.faults.injected).reduce((sum, count) => sum + count, 0) > 0, 'faults were injected');
  t.true((report.counts['changes acknowledged'] ?? 0) > 0 && (report.counts['users acknowledged'] ?? 0) > 0, 'work got done in between');
  t.false(
    Object.keys(report.errors).some((code) => code === 'unknown' || code.startsWith('raw')),
    JSON.stringify(report.errors),
  );
});
