import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TableDefinition } from '../table/index.ts';

const isTable = (value: unknown): value is TableDefinition => (value as { kind?: unknown } | undefined)?.kind === 'tablekit.table';

/** The bundled application table, or a table definition exported by the user's module. */
export async function loadTable(modulePath?: string, exportName = 'AppTable'): Promise<TableDefinition> {
  if (!modulePath) return (await import('../../entities/index.ts')).AppTable as unknown as TableDefinition;
  const loaded = (await import(pathToFileURL(resolve(modulePath)).href)) as Record<string, unknown>;
  const candidate = loaded[exportName];
  if (isTable(candidate)) return candidate;
  const found = Object.entries(loaded).filter(([, value]) => isTable(value)).map(([name]) => name);
  throw new Error(`${modulePath} has no table definition named '${exportName}'${found.length ? ` (found: ${found.join(', ')}; pass --export)` : ''}`);
}
