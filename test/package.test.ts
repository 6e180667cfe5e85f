/**
 * The published shape: `npm pack` (prepack builds dist/), installed into an empty project, used
 * under plain node — ESM import, require() (Node ≥ 20.19 loads ESM from require), the installed
 * CLI with a `.ts` and a `.js` table module — and checked by publint and are-the-types-wrong.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { runCaptured } from './support/process.ts';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const quiet = {
  ...process.env,
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

const table = (extension: 'ts' | 'js') => `import { z } from 'zod';
import { defineEntity, defineTable } from 'tablekit';

const Note = defineEntity({
  name: 'note',
  schema: z.object({ noteId: z.string(), text: z.string() }),
  keys: { primary: { pk: ['noteId'] } },
  example: { noteId: 'n-1', text: 'hello' },
});
export const Notes${extension === 'ts' ? ': ReturnType<typeof defineTable<{ note: typeof Note }>>' : ''} = defineTable({ name: 'notes-${extension}', entities: { note: Note } });
`;

test('npm pack → install into an empty project → import, require and the CLI work under plain node', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'tablekit-package-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const packed = await runCaptured(npm, ['pack', '--pack-destination', root, '--silent'], { env: quiet });
  t.is(packed.code, 0, packed.stderr);
  const tarball = readdirSync(root).find((name) => name.endsWith('.tgz'));
  if (!tarball) return t.fail(`no tarball in ${root}: ${packed.stdout}`);
  const tgz = join(root, tarball);

  const publint = await runCaptured(process.execPath, ['node_modules/publint/src/cli.js', tgz], { env: quiet });
  t.is(publint.code, 0, publint.stdout + publint.stderr);
  t.regex(publint.stdout, /All good/);
  const attw = await runCaptured(
    process.execPath,
    ['node_modules/@arethetypeswrong/cli/dist/index.js', tgz, '--profile', 'esm-only', '--format', 'table-flipped'],
    { env: quiet },
  );
  t.is(attw.code, 0, attw.stdout + attw.stderr);

  const app = join(root, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  const installed = await runCaptured(npm, ['install', tgz, '--prefer-offline', '--ignore-scripts', '--no-package-lock'], { cwd: app, env: quiet });
  t.is(installed.code, 0, installed.stderr);

  const imported = await runCaptured(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      "import { defineTable, connect, RepositoryError } from 'tablekit'; import { inMemory } from 'tablekit/testing'; import { ChangeLog } from 'tablekit/services'; console.log(typeof defineTable, typeof connect, typeof RepositoryError, typeof inMemory, typeof ChangeLog);",
    ],
    { cwd: app, env: quiet },
  );
  t.is(imported.stdout.trim(), 'function function function function function', imported.stderr);
  const required = await runCaptured(process.execPath, ['-e', "const tablekit = require('tablekit'); console.log(typeof tablekit.defineEntity);"], {
    cwd: app,
    env: quiet,
  });
  t.is(required.stdout.trim(), 'function', required.stderr);

  writeFileSync(join(app, 'table.ts'), table('ts'));
  writeFileSync(join(app, 'table.js'), table('js'));
  const cli = join(app, 'node_modules', 'tablekit', 'bin', 'tablekit.js');
  for (const module of ['table.ts', 'table.js']) {
    const exported = await runCaptured(process.execPath, [cli, 'export', 'cloudformation', '--module', module], { cwd: app, env: quiet });
    t.is(exported.code, 0, `${module}: ${exported.stderr}`);
    t.regex(exported.stdout, /AWS::DynamoDB::Table/, module);
    t.regex(exported.stdout, new RegExp(`notes-${module.endsWith('.ts') ? 'ts' : 'js'}`), module);
  }
  const missing = await runCaptured(process.execPath, [cli, 'export', 'cloudformation'], { cwd: app, env: quiet });
  t.not(missing.code, 0);
  t.regex(missing.stderr, /--module/);
});
