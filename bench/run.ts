/**
 * npm run bench: tablekit's entity API vs the raw DocumentClient, ElectroDB, dynamodb-toolbox 2
 * and OneTable 2 on the same User item and the same DynamoDB Local, plus the change log, streams
 * and HTTP. Each scenario runs in a process of its own (bench/scenario.ts); within a scenario the
 * contenders take turns in rounds, ratios are medians of per-round ratios, and results are checked.
 *
 *   npm run bench                          full run, writes docs/benchmarks.md
 *   npm run bench -- --quick               reduced smoke (or BENCH_QUICK=1); prints, writes nothing
 *   npm run bench -- --only mixed,bulk     some scenarios only; prints, writes nothing
 */
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { startLocalDynamo } from 'tablekit/local';
import { report } from './report.ts';
import type { ScenarioName, ScenarioResults } from './scenario.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
const order: ScenarioName[] = ['params', 'client', 'e2e', 'requests', 'bulk', 'mixed', 'changelog', 'streams', 'http', 'sse', 'appends', 'paging'];
const onlyArgument = process.argv.indexOf('--only');
const only = onlyArgument >= 0 ? (process.argv[onlyArgument + 1] ?? '').split(',') : undefined;
const selected = only ? order.filter((name) => only.includes(name)) : order;

/**
 * The scenarios measure the built package (dist/, what users install), run as compiled
 * JavaScript like the peers from node_modules; the sources through tsx carry the transform's
 * helpers (e.g. a name helper on every closure) that no user runs.
 */
function buildPackage(): void {
  process.stderr.write('bench: building the package (npm run build)…\n');
  execFileSync('npm', ['run', '-s', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] });
}

function runScenario(name: ScenarioName, endpoint: string): Promise<{ result: unknown; seconds: number }> {
  const started = Date.now();
  // --expose-gc lets the paging scenario measure RSS from a collected heap.
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/scenario.ts', name], {
    env: { ...process.env, DYNAMODB_ENDPOINT: endpoint, BENCH_QUICK: quick ? '1' : '0', TSX_TSCONFIG_PATH: 'bench/tsconfig.json' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    output += chunk;
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      const line = output.split('\n').find((text) => text.startsWith('BENCH_RESULT '));
      if (code !== 0 || !line) return reject(new Error(`scenario ${name} failed (exit ${code}):\n${output}`));
      resolve({ result: JSON.parse(line.slice('BENCH_RESULT '.length)), seconds: (Date.now() - started) / 1000 });
    });
  });
}

const started = Date.now();
buildPackage();
const local = process.env.DYNAMODB_ENDPOINT ? undefined : await startLocalDynamo();
const endpoint = process.env.DYNAMODB_ENDPOINT ?? local?.endpoint ?? '';
const results: Partial<ScenarioResults> = {};
const seconds: Partial<Record<ScenarioName, number>> = {};
try {
  for (const name of selected) {
    process.stderr.write(`bench: ${name}…`);
    const run = await runScenario(name, endpoint);
    (results as Record<string, unknown>)[name] = run.result;
    seconds[name] = run.seconds;
    process.stderr.write(` ${run.seconds.toFixed(0)} s\n`);
  }
} finally {
  await local?.stop();
}
const markdown = report(results, { quick, seconds, totalSeconds: (Date.now() - started) / 1000 });
console.log(markdown);
if (!quick && !only) writeFileSync('docs/benchmarks.md', markdown);
