/**
 * Writes every ```ts block of README.md to .readme-examples/ so that `tsc` type-checks them and
 * test/readme.test.ts executes them. A block whose first line is `// no-run` is only type-checked.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

export const examplesDir = '.readme-examples';

export function readmeExamples(markdown = readFileSync('README.md', 'utf8')): { name: string; code: string; run: boolean }[] {
  const blocks = [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? '');
  return blocks.map((code, index) => ({ name: `example-${String(index + 1).padStart(2, '0')}.ts`, code, run: !code.startsWith('// no-run') }));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  rmSync(examplesDir, { recursive: true, force: true });
  mkdirSync(examplesDir, { recursive: true });
  const examples = readmeExamples();
  for (const example of examples) writeFileSync(`${examplesDir}/${example.name}`, `${example.code}\nexport {};\n`);
  console.log(`README: ${examples.length} TypeScript examples extracted to ${examplesDir}/`);
}
