/**
 * `npm start` (demo/main.ts): with nothing configured it boots its own embedded DynamoDB Local,
 * tours the entity API, the twin, the services, streams and HTTP on the table TABLEKIT_TABLE
 * names, exits 0 on its own and leaves no java process behind. (It runs on its own instance,
 * not on the run's shared DYNAMODB_ENDPOINT, which the other test files keep busy.)
 */
import { spawnSync } from 'node:child_process';
import test from 'ava';
import { uniqueTableName } from './support/db.ts';
import { runCaptured, type CapturedRun } from './support/process.ts';

const root = new URL('..', import.meta.url).pathname;

const runDemo = (env: NodeJS.ProcessEnv): Promise<CapturedRun> =>
  runCaptured(process.execPath, ['--import', 'tsx', 'demo/main.ts'], { cwd: root, env: { ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });

/** Command lines of running java processes. */
function javaCommandLines(): string[] {
  const result = spawnSync('pgrep', ['-af', 'java'], { encoding: 'utf8' });
  return result.stdout.split('\n').filter((line) => line.trim() !== '');
}

/** The step rows: `  label   outcome   12.3 ms`. */
const stepRows = (stdout: string) => stdout.split('\n').filter((line) => /^ {2}\S.*\s\d+\.\d ms$/.test(line));

test('npm start runs on an embedded DynamoDB Local, shows every capability, exits 0 and stops java', async (t) => {
  const { DYNAMODB_ENDPOINT: _endpoint, AWS_REGION: _region, AWS_DEFAULT_REGION: _defaultRegion, ...env } = process.env;
  const tableName = uniqueTableName('demo');
  const result = await runDemo({ ...env, TABLEKIT_TABLE: tableName });
  const output = `${result.stdout}\n${result.stderr}`;
  t.is(result.code, 0, output);
  t.notRegex(output, /demo failed|WRONG|PRESENT|MISSING|DIFFERENT|OUT OF ORDER/);
  t.regex(result.stdout, /connected \(embedded\)/);
  t.deepEqual(
    [...result.stdout.matchAll(/^Table '([^']+)'/gm)].map((match) => match[1]),
    [tableName],
    'TABLEKIT_TABLE names the table',
  );

  const expected: [string, RegExp][] = [
    ['unique through store.entities.user', /store\.entities\.user\.create, same e-mail\s+RepositoryError\(duplicate\) user/],
    ['hidden attribute', /user\.get\s+refreshTokenHash absent \(hidden\) \[1 GetItem\]/],
    ['include', /include: \['refreshTokenHash'\] \}\)\s+refreshTokenHash [0-9a-f]{8}…/],
    ['nothing sent for bad input', /invalid e-mail \(nothing sent\)\s+RepositoryError\(validation\)/],
    ['no lost update', /10 concurrent user\.update\(id, fn\)\s+10 of 10 applied/],
    ['stale save', /user\.save of the v1 snapshot \(stale version\)\s+RepositoryError\(conflict\)/],
    ['write condition', /\{ if: \{ isActive: false \} \}\)\s+RepositoryError\(conditionFailed\)/],
    ['save is one request', /playlist\.save\(\{ \.\.\.item, title \}\)\s+v2, createdAt kept: true \[1 UpdateItem\]/],
    ['atomic counter', /20 concurrent patch\(\{ add: \{ plays: 1 \} \}\)\s+plays 20 \[20 UpdateItem\]/],
    ['append, sets, remove', /\[intro, streams\], \{dynamodb, jazz\}, note removed \[1 UpdateItem\]/],
    ['read-only', /\(read-only\)\s+RepositoryError\(validation\) playlist/],
    ['sort-key condition', /updatedAt: \{ gte: 1 h ago \} \}, desc\)\s+testing, transactions, streams \[1 Query\]/],
    ['cross-entity transaction', /table\.transactWrite\(user, playlist, progress\)\s+3 writes committed \[1 TransactWriteItems\]/],
    ['cancelled transaction', /RepositoryError\(alreadyExists\) playlist/],
    ['transactGet', /table\.transactGet\(user, playlist\)\s+Ada King, 'Watch later' \[1 TransactGetItems\]/],
    ['twin', /identical on both backends \((\d+) of \1\)/],
    ['change log gapless', /191 changes, latest seq 191/],
    ['since as a key condition', /seqs 101\.\.120, cursor yes/],
    ['outbox', /192 user create, 193 user update, 194 user delete/],
    ['stale video event', /ignored, still at 42s/],
    ['account collection', /1 user, 3 progress/],
    ['a live write arriving', /user\.stream → v2 Ada Lovelace \(\d+ ms after patch\(\) returned\)/],
    ['follow', /changeLog\.follow\(fromSeq 2\) → seqs 3\.\.35 \(33: history then live, in order, no gap\)/],
    ['HTTP since', /GET …\/changes\?since=1\s+seqs 2, 3/],
    ['HTTP SSE resume', /events 2, 3 \(resumed after 1\)/],
    ['HTTP stale If-Match', /stale If-Match: "1"\s+412/],
  ];
  for (const [what, pattern] of expected) t.regex(result.stdout, pattern, what);
  t.true(stepRows(result.stdout).length >= 70, `one row per step (label, outcome, ms); got ${stepRows(result.stdout).length}`);
  t.regex(result.stdout, /embedded DynamoDB Local stopped\.$/m);

  const port = /on http:\/\/127\.0\.0\.1:(\d+) \(embedded\)/.exec(result.stdout)?.[1];
  if (!port) return t.fail(`the demo did not print its endpoint:\n${result.stdout}`);
  const leftovers = javaCommandLines().filter((line) => new RegExp(`-port ${port}\\b`).test(line));
  t.deepEqual(leftovers, [], `java still running for port ${port}`);
});
