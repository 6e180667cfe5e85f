import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import test from 'ava';
import { examplesDir, readmeExamples } from './support/extract-readme.ts';

// The README examples share the default table name 'tablekit', so they run one after another.
const examples = readmeExamples().filter((example) => example.run);

/** `console.log(x); //=> text (note)` documents an output line; the note in parentheses is prose. */
function documentedOutputs(code: string): string[] {
  return [...code.matchAll(/\/\/=> (.*)$/gm)].map((match) => (match[1] ?? '').replace(/\s*\(.*\)\s*$/, '').trim());
}

test('the README has runnable TypeScript examples with documented outputs', (t) => {
  t.true(examples.length >= 3);
  t.true(examples.every((example) => documentedOutputs(example.code).length > 0));
});

for (const example of examples) {
  test.serial(`README ${example.name} runs and prints what the README says`, (t) => {
    mkdirSync(examplesDir, { recursive: true });
    writeFileSync(`${examplesDir}/${example.name}`, `${example.code}\nexport {};\n`);
    const result = spawnSync(process.execPath, ['--import', 'tsx', `${examplesDir}/${example.name}`], { encoding: 'utf8', env: process.env, timeout: 120_000 });
    t.is(result.status, 0, result.stderr);
    const printed = result.stdout
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
    t.deepEqual(printed, documentedOutputs(example.code));
  });
}
