/**
 * Resumable: `tablekit migrate` runs in a child process, slowed down (--max-rate) so that a
 * real `kill -9` lands mid-run; the rerun continues from the checkpoints kept in the table, and
 * the end state equals one uninterrupted run: every note at v2 exactly once, none at v1, and the
 * record counts each note once (the counts move in the transactions that move the notes).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import test from 'ava';
import { migrationStatus } from '../../src/index.ts';
import { runCaptured } from '../support/process.ts';
import { noteV1toV2 } from './fixtures.ts';
import { notesAtV1, versions, wordsOf } from './support.ts';

const root = new URL('../..', import.meta.url).pathname;
const count = 150;

test('kill -9 in the middle of `tablekit migrate`, then a rerun: every item migrated exactly once, none lost, none left at v1', async (t) => {
  const { table, connection, dispose } = await notesAtV1('dynamodb', 'migrate-kill', count);
  t.teardown(dispose);
  const endpoint = 'endpoint' in connection ? connection.endpoint : undefined;
  if (!endpoint) return t.fail('needs a DynamoDB endpoint');
  const args = [
    '--import',
    'tsx',
    'src/cli/main.ts',
    'migrate',
    '--module',
    'test/migrate/modules/notes.ts',
    '--endpoint',
    endpoint,
    '--table-name',
    table.tableName,
  ];
  const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  const child = spawn(process.execPath, [...args, '--segments', '2', '--page-size', '10', '--batch-size', '3', '--max-rate', '40', '--progress', 'lines'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit');

  // Wait until the run is well under way, then kill it without warning.
  const deadline = Date.now() + 60_000;
  let moved = 0;
  while (moved < 25 && Date.now() < deadline && child.exitCode === null) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    moved = (await versions(connection, table.tableName)).v2.length;
  }
  t.is(child.exitCode, null, `the run was still going: ${output}`);
  child.kill('SIGKILL');
  const [, signal] = await exited;
  t.is(signal, 'SIGKILL');

  const killed = await versions(connection, table.tableName);
  t.true(killed.v2.length >= 25 && killed.v2.length < count, `killed mid-run (${killed.v2.length} of ${count} moved)`);
  const ids = (notes: { noteId: string }[]) => notes.map((note) => note.noteId).sort();
  t.is(new Set(ids([...killed.v1, ...killed.v2])).size, count, 'after the kill every note is at exactly one version');
  t.deepEqual(await migrationStatus(table, [noteV1toV2]), [{ name: 'note.v1-v2', status: 'running' }]);

  const rerun = await runCaptured(process.execPath, [...args, '--progress', 'none'], { cwd: root, env });
  t.is(rerun.code, 0, rerun.stderr);
  t.regex(rerun.stdout, new RegExp(`note\\.v1-v2 \\(note v1 → v2\\): done \\(resumed\\) — scanned ${count}, migrated ${count}, skipped 0, failed 0`));

  const after = await versions(connection, table.tableName);
  t.is(after.v1.length, 0, 'none left at v1');
  t.is(after.v2.length, count, 'none lost');
  t.is(new Set(ids(after.v2)).size, count);
  t.true(after.v2.every((note) => note.words === wordsOf(note.body) && note.version === 1));
  t.deepEqual(await migrationStatus(table, [noteV1toV2]), [{ name: 'note.v1-v2', status: 'done' }]);

  const again = await runCaptured(process.execPath, [...args, '--progress', 'none'], { cwd: root, env });
  t.regex(again.stdout, /already done/);
});
