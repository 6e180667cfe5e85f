/**
 * The studio's app in-process on the fixture table, on the run's DynamoDB Local
 * (DYNAMODB_ENDPOINT) or the in-memory twin, with helpers to GET pages and POST forms the way a
 * browser does (loopback Host, the form token).
 */
import { connect, type BoundTable, type Connection } from '../../src/index.ts';
import { createStudioApp, openStudio, seedSamples, type Studio, type StudioApp } from '../../src/studio/index.ts';
import { inMemory, type MemoryConnection } from '../../src/testing.ts';
import { uniqueTableName, type Backend } from '../support/db.ts';
import { TaskTable } from './fixture-table.ts';

export interface StudioUnderTest {
  studio: Studio;
  /** The same table through its typed API (same connection, same table). */
  tasks: BoundTable<(typeof TaskTable)['entities']>;
  app: StudioApp;
  get(path: string, headers?: Record<string, string>): Promise<Page>;
  /** POSTs a form with the studio's token (unless `token` says otherwise); redirects are not followed. */
  post(path: string, fields: Record<string, string>, options?: { token?: string | null; headers?: Record<string, string> }): Promise<Page>;
  dispose(): Promise<void>;
}

export interface Page {
  status: number;
  location: string | null;
  html: string;
}

export async function openStudioUnderTest(backend: Backend, label: string): Promise<StudioUnderTest> {
  const connection: Connection | MemoryConnection = backend === 'memory' ? inMemory() : await connect();
  const tableName = uniqueTableName(label);
  const studio = openStudio({ definition: TaskTable, connection, tableName });
  await studio.table.ensure();
  await seedSamples(studio);
  const app = createStudioApp(studio);
  const send = async (path: string, init: RequestInit = {}): Promise<Page> => {
    const response = await app.fetch(
      new Request(`http://127.0.0.1:4321${path}`, { ...init, headers: { host: '127.0.0.1:4321', ...(init.headers as Record<string, string>) } }),
    );
    return { status: response.status, location: response.headers.get('location'), html: await response.text() };
  };
  return {
    studio,
    tasks: TaskTable.bind(connection, { tableName }),
    app,
    get: (path, headers = {}) => send(path, { headers }),
    post: (path, fields, options = {}) => {
      const token = options.token === undefined ? studio.token : options.token;
      const body = new URLSearchParams({ ...fields, ...(token === null ? {} : { _csrf: token }) });
      return send(path, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', ...options.headers } });
    },
    async dispose() {
      app.closeLiveStreams();
      await studio.table.delete();
      await connection.close();
    },
  };
}

/** The text of HTML: tags dropped, entities decoded, whitespace collapsed (for assertions on what a reader sees). */
export function textOf(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The markup of the form field block of one attribute (its input and its errors). */
export function fieldBlock(html: string, field: string): string {
  const start = html.indexOf(`data-field="${field}"`);
  if (start < 0) return '';
  const end = html.indexOf('<label', start);
  return html.slice(start, end < 0 ? undefined : end);
}
