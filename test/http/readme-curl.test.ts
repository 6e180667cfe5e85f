/**
 * Runs the README "HTTP API" ```sh block(s) (the ones using $TABLEKIT_URL) with bash against a
 * started `tablekit-server`, and checks their output.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCaptured, type CapturedRun } from '../support/process.ts';
import test from 'ava';
import { request, root, startServer, type ChangeJson, type Served } from './server.ts';

let server: Served;

test.before(async () => {
  server = await startServer('http-readme');
});

test.after.always(async () => {
  await server?.dispose();
});

const blocks = [...readFileSync(join(root, 'README.md'), 'utf8').matchAll(/^```(?:sh|bash)\n([\s\S]*?)^```$/gm)]
  .map((match) => match[1] ?? '')
  .filter((block) => block.includes('$TABLEKIT_URL'));

function bash(script: string, env: Record<string, string>): Promise<CapturedRun> {
  return runCaptured('bash', ['-e', '-o', 'pipefail', '-c', script], { cwd: root, env: { ...process.env, ...env } });
}

/** Splits `{...}{...}rest` into the JSON documents at the start and the rest. */
/** What the README's curl examples print: change lists, change pages and users. */
interface Printed {
  changes?: ChangeJson[];
  items?: ChangeJson[];
  userId?: string;
  email?: string;
  firstName?: string;
  lastName?: string;
}

function leadingJsonDocuments(text: string): { documents: Printed[]; rest: string } {
  const documents: Printed[] = [];
  let i = 0;
  while (text[i] === '{') {
    let depth = 0;
    let inString = false;
    let end = -1;
    for (let j = i; j < text.length; j++) {
      const ch = text[j];
      if (inString) {
        if (ch === '\\') j++;
        else if (ch === '"') inString = false;
      } else if (ch === '"') inString = true;
      else if (ch === '{') depth++;
      else if (ch === '}' && --depth === 0) {
        end = j + 1;
        break;
      }
    }
    if (end < 0) break;
    documents.push(JSON.parse(text.slice(i, end)) as Printed);
    i = end;
    while (text[i] === '\n') i++;
  }
  return { documents, rest: text.slice(i) };
}

test('the README has a curl block using $TABLEKIT_URL', (t) => {
  t.true(blocks.length >= 1);
  t.true(blocks.some((block) => block.includes('curl')));
});

test('the README curl examples run against tablekit-server and print what they promise', async (t) => {
  const script = blocks.join('\n');
  // curl --max-time ends the live feed with exit 28 (timeout); that is how the example stops it.
  const runnable = script.replace(/^(curl -sN --max-time \d+ .*)$/m, '$1 || [ $? -eq 28 ]');
  t.not(runnable, script, 'the live-feed example (curl -sN --max-time N) is there');
  const result = await bash(runnable, { TABLEKIT_URL: server.url });
  t.is(result.code, 0, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  const out = result.stdout;

  // Each JSON document the examples print, in order (the SSE output is the tail).
  // curl prints no newline after a body, so the documents are back to back.
  const { documents, rest: sse } = leadingJsonDocuments(out);
  t.is(documents.length, 5, out);
  const [appended, since, history, registered, found] = documents;
  t.deepEqual(
    appended?.changes?.map((c) => c.seq),
    [1, 2],
  );
  t.deepEqual(
    since?.items?.map((c) => [c.seq, c.data]),
    [[2, { title: 'Final' }]],
  );
  t.deepEqual(
    history?.items?.map((c) => [c.seq, c.operation]),
    [
      [1, 'create'],
      [2, 'update'],
    ],
  );
  t.like(registered, { email: 'grace@example.com', firstName: 'Grace', lastName: 'Hopper' });
  t.is(found?.userId, registered?.userId);
  t.truthy(found?.userId);

  // The live feed resumed after Last-Event-ID: 1 → only seq 2.
  t.regex(sse, /^id: 2$/m);
  t.regex(sse, /^event: change$/m);
  t.notRegex(sse, /^id: 1$/m);
  t.regex(sse, /^data: \{.*"seq":2/m);

  // And the server agrees.
  const stats = await request<{ latestSeq: number }>(`${server.url}/projects/demo/stats`);
  t.is(stats.body.latestSeq, 2);
});
