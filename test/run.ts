/**
 * Test runner: starts ONE DynamoDB Local for the whole run (unless DYNAMODB_ENDPOINT is set),
 * runs ava with DYNAMODB_ENDPOINT exported, and stops it even when tests fail.
 */
import { spawn } from 'node:child_process';
import { startLocalDynamo, type LocalDynamo } from '../src/local/index.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

let local: LocalDynamo | undefined;
if (!process.env.DYNAMODB_ENDPOINT) {
  const started = Date.now();
  local = await startLocalDynamo();
  process.env.DYNAMODB_ENDPOINT = local.endpoint;
  console.log(`DynamoDB Local ${local.endpoint} (pid ${local.pid}) started in ${Date.now() - started} ms`);
}

const ava = spawn(process.execPath, ['node_modules/ava/entrypoints/cli.mjs', ...process.argv.slice(2)], {
  stdio: ['inherit', 'pipe', 'inherit'],
  env: process.env,
});
// Count ava's ✔ / ✘ result lines as they stream by (its summary omits passes when something fails).
let pending = '';
let passed = 0;
let failed = 0;
const countLine = (line: string) => {
  if (/^\s*✔/.test(line)) passed++;
  else if (/^\s*✘/.test(line)) failed++;
};
ava.stdout.on('data', (chunk: Buffer) => {
  process.stdout.write(chunk);
  const lines = (pending + chunk.toString()).split('\n');
  pending = lines.pop() ?? '';
  lines.forEach(countLine);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => ava.kill(signal));
const code = await new Promise<number>((resolve) => ava.once('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0))));
await local?.stop();

countLine(pending);
// One plain closing line that any CI log reader understands.
console.log(`ava: ${passed} passed, ${failed} failed`);
process.exit(code !== 0 ? code : passed === 0 ? 1 : 0);
