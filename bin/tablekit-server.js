#!/usr/bin/env node
// Runs the bundled HTTP server (npm run build); in a source checkout without dist/, through tsx.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = fileURLToPath(new URL('../dist/server/main.js', import.meta.url));
if (existsSync(compiled)) await import(compiled);
else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../server/main.ts');
}
