/**
 * The studio in a real browser: `tablekit studio` as a child process on the run's DynamoDB Local,
 * driven by headless Chromium (the system's, through playwright-core): run an access pattern,
 * edit an item, see a validation error, watch a live write arrive.
 * STUDIO_SCREENSHOT=docs/studio.png stores the screenshot shown in the README.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import test from 'ava';
import { chromium, type Browser } from 'playwright-core';
import { connect } from '../../src/index.ts';
import { uniqueTableName } from '../support/db.ts';
import { TaskTable } from './fixture-table.ts';

const root = new URL('../..', import.meta.url).pathname;
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const chromiumFlags = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

interface RunningStudio {
  url: string;
  log: () => string;
  stop: () => Promise<number | null>;
}

/** `tablekit studio --port 0` on the fixture table; resolves once it says where it listens. */
async function startStudio(tableName: string): Promise<RunningStudio> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'studio', '--port', '0', '--module', 'test/studio/fixture-table.ts', '--table-name', tableName, '--seed'],
    { cwd: root, env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /tablekit studio on (http:\/\/\S+)[\s\S]*listening on/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => reject(new Error(`tablekit studio exited (${code}) before listening:\n${output}`)));
  });
  return {
    url,
    log: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

test('in Chromium: run an access pattern, edit an item, see a validation error, watch a live write arrive', async (t) => {
  if (!existsSync(chromiumPath)) return t.fail(`Chromium not found at ${chromiumPath}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  // The README's screenshot shows a readable table name; the test itself runs on a table of its own.
  const tableName = process.env.STUDIO_SCREENSHOT ? 'tasks' : uniqueTableName('studio-browser');
  const connection = await connect();
  const tasks = TaskTable.bind(connection, { tableName });
  let browser: Browser | undefined;
  let studio: RunningStudio | undefined;
  t.teardown(async () => {
    await browser?.close();
    await studio?.stop();
    await tasks.delete();
    await connection.close();
  });
  studio = await startStudio(tableName);
  t.regex(studio.log(), /tablekit studio on http:\/\/127\.0\.0\.1:\d+/, 'it binds to loopback');
  t.regex(studio.log(), /listening on 127\.0\.0\.1 only/, 'and says so');
  browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumFlags });
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  page.setDefaultTimeout(30_000);

  // The table at a glance, then an access pattern from the sidebar, run from the keyboard.
  await page.goto(studio.url);
  await page.getByRole('heading', { name: `Table ${tableName}` }).waitFor();
  await page
    .locator('nav.side')
    .getByRole('link', { name: /byStatus/ })
    .click();
  await page.fill('#k-boardId', 'boardId-1');
  await page.selectOption('#k-status', 'todo');
  // The shortcut lives in the page's script: on a busy machine it may still be loading.
  await page.waitForLoadState('load');
  await page.focus('#k-boardId');
  await page.keyboard.press('Control+Enter');
  await page.getByText('page 1: 1 item(s)').waitFor();
  const request = page.locator('details[data-operation="Query"]');
  t.regex((await request.textContent()) ?? '', /KeyConditionExpression: gsi1pk = "\$tablekit#boardId_boardId-1#status_todo"/);
  t.regex((await request.textContent()) ?? '', /ConsumedCapacity/);
  if (process.env.STUDIO_SCREENSHOT) await page.screenshot({ path: process.env.STUDIO_SCREENSHOT });

  // The item: an invalid priority is refused next to the field and nothing is written; a valid one is saved.
  await page.locator('table.items').getByRole('link', { name: 'open' }).first().click();
  await page.getByRole('heading', { name: 'task boardId-1 · taskId-1' }).waitFor();
  const before = await tasks.entities.task.get({ boardId: 'boardId-1', taskId: 'taskId-1' });
  await page.fill('#f-priority', '99');
  await page.getByRole('button', { name: 'Save' }).click();
  const error = page.locator('#f-priority-error');
  await error.waitFor();
  t.regex((await error.textContent()) ?? '', /5/, 'zod says the maximum');
  t.is(await page.getAttribute('#f-priority', 'aria-invalid'), 'true');
  t.deepEqual(await tasks.entities.task.get({ boardId: 'boardId-1', taskId: 'taskId-1' }), before, 'nothing was written');
  await page.fill('#f-priority', '4');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  const after = await tasks.entities.task.get({ boardId: 'boardId-1', taskId: 'taskId-1' });
  t.is(after.priority, 4);
  t.is(after.version, before.version + 1);

  // A write made elsewhere arrives in the live view through the table's stream.
  await page.getByRole('link', { name: 'Live' }).click();
  await page.locator('#live-status[data-state="live"]').waitFor();
  await tasks.entities.board.create({ boardId: 'b-live', name: 'Live board', ownerEmail: 'live@example.com' });
  const row = page.locator('#live-log tbody tr[data-entity="board"]');
  await row.waitFor();
  t.regex((await row.textContent()) ?? '', /insert[\s\S]*b-live[\s\S]*pk = \$tablekit#boardId_b-live/);
});
