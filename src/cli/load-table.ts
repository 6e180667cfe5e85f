import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TableDefinition } from '../entity/index.ts';

const isTable = (value: unknown): value is TableDefinition => (value as { kind?: unknown } | undefined)?.kind === 'tablekit.table';

/** The table definition exported by the user's module (`--module my-table.ts --export MyTable`). */
export async function loadTable(modulePath: string | undefined, exportName?: string): Promise<TableDefinition> {
  if (!modulePath) throw new Error('which table? pass --module <file> (a module exporting your defineTable(...))');
  const loaded = (await importModule(pathToFileURL(resolve(modulePath)).href, modulePath)) as Record<string, unknown>;
  const tables = Object.entries(loaded).filter(([, value]) => isTable(value));
  const chosen = exportName ? loaded[exportName] : tables.length === 1 ? tables[0]?.[1] : undefined;
  if (isTable(chosen)) return chosen;
  const found = tables.map(([name]) => name);
  if (exportName) throw new Error(`${modulePath} has no table definition named '${exportName}'${found.length ? ` (found: ${found.join(', ')})` : ''}`);
  throw new Error(
    found.length
      ? `${modulePath} exports several tables (${found.join(', ')}): pass --export <name>`
      : `${modulePath} exports no table definition (defineTable(...))`,
  );
}

/**
 * Imports the user's module into the CLI's own module graph, so both share ONE copy of the
 * library (`instanceof RepositoryError` holds for errors its tables throw). Under plain node (the
 * installed CLI) a `.ts` module loads after registering tsx's loader globally; tsx's namespaced
 * `tsImport` would load a second copy of the library next to the CLI's.
 */
export async function importModule(url: string, modulePath: string): Promise<unknown> {
  try {
    return await import(url);
  } catch (error) {
    if (!/\.[cm]?tsx?$/.test(modulePath) || (error as { code?: unknown }).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
    (await import('tsx/esm/api')).register();
    // Node caches the failed load of this URL: import it under a fresh one.
    return import(`${url}?tablekit-cli`);
  }
}
