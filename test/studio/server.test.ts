/**
 * serveStudio binds to loopback unless told otherwise, and says which; told to listen beyond
 * loopback it warns that anyone who reaches it can change the table. It stops cleanly.
 */
import { get } from 'node:http';
import test from 'ava';
import { runCaptured } from '../support/process.ts';
import { serveStudio } from '../../src/studio/index.ts';
import { TaskTable } from './fixture-table.ts';

/** The status of a GET with a given Host header (fetch does not let a caller set Host). */
function statusWithHost(url: string, host: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    get(url, { headers: { host } }, (response) => {
      response.resume();
      resolve(response.statusCode);
    }).once('error', reject);
  });
}

test('by default the studio listens on 127.0.0.1 only and says so; a foreign Host is refused', async (t) => {
  const lines: string[] = [];
  const served = await serveStudio({ definition: TaskTable, memory: true, port: 0, log: (line) => lines.push(line) });
  t.teardown(() => served.close());
  t.regex(served.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  t.regex(lines.join('\n'), /listening on 127\.0\.0\.1 only: no other machine can reach it \(pass --host to expose it/);
  const page = await fetch(served.url);
  t.is(page.status, 200);
  t.regex(await page.text(), /<h1>Table <code>tasks<\/code><\/h1>/);
  t.is(await statusWithHost(served.url, 'evil.example'), 403, 'a page of another site reaching it through DNS rebinding is refused');
});

test('told to listen on every interface, the studio warns that it has no login', async (t) => {
  const lines: string[] = [];
  const served = await serveStudio({ definition: TaskTable, memory: true, port: 0, host: '0.0.0.0', log: (line) => lines.push(line) });
  t.teardown(() => served.close());
  t.regex(
    lines.join('\n'),
    /WARNING: listening on 0\.0\.0\.0: anyone who can reach this machine can read and change table 'tasks' \(the studio has no login\)/,
  );
  const port = new URL(served.url).port;
  t.is(await statusWithHost(`http://127.0.0.1:${port}/`, `studio.lan:${port}`), 200, 'any Host is answered once the studio was told to listen beyond loopback');
});

test('close() ends open live views and stops the server', async (t) => {
  const served = await serveStudio({ definition: TaskTable, memory: true, port: 0, log: () => undefined });
  const live = await fetch(`${served.url}/live/events`);
  const reader = live.body?.getReader();
  if (!reader) return t.fail('no event stream');
  const first = await reader.read();
  t.regex(new TextDecoder().decode(first.value), /event: ready/);
  await served.close();
  let done = false;
  while (!done) done = (await reader.read()).done;
  t.true(done, 'the event stream ended');
  await t.throwsAsync(fetch(served.url));
});

test('the CLI offers the studio on its own and next to `tablekit local` (--admin)', async (t) => {
  const root = new URL('../..', import.meta.url).pathname;
  const help = (command: string) =>
    runCaptured(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', command, '--help'], {
      cwd: root,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
  const [studio, local] = await Promise.all([help('studio'), help('local')]);
  for (const option of ['--port', '--host', '--module', '--export', '--memory', '--seed', '--endpoint'])
    t.true(studio.stdout.includes(option), `studio ${option}`);
  t.regex(local.stdout, /--admin\s+also serve the studio/);
});
