import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TableDefinition } from '../entity/index.ts';

const isTable = (value: unknown): value is TableDefinition => (value as { kind?: unknown } | undefined)?.kind === 'tablekit.table';

/** The table definition exported by the user's module (`--module my-table.ts --export MyTable`). */
export async function loadTable(modulePath: string | undefined, exportName?: string): Promise<TableDefinition> {
  if (!modulePath) throw new Error('which table? pass --module <file> (a module exporting your defineTable(...))');
  const url = pathToFileURL(resolve(modulePath)).href;
  // TypeScript table modules load through tsx (a dependency), so the installed CLI takes `.ts` under plain node.
  const loaded = (/\.[cm]?tsx?$/.test(modulePath) ? await (await import('tsx/esm/api')).tsImport(url, import.meta.url) : await import(url)) as Record<string, unknown>;
  const tables = Object.entries(loaded).filter(([, value]) => isTable(value));
  const chosen = exportName ? loaded[exportName] : tables.length === 1 ? tables[0]?.[1] : undefined;
  if (isTable(chosen)) return chosen;
  const found = tables.map(([name]) => name);
  if (exportName) throw new Error(`${modulePath} has no table definition named '${exportName}'${found.length ? ` (found: ${found.join(', ')})` : ''}`);
  throw new Error(found.length ? `${modulePath} exports several tables (${found.join(', ')}): pass --export <name>` : `${modulePath} exports no table definition (defineTable(...))`);
}
