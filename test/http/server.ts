/**
 * `tablekit-server --port 0` (server/main.ts) as a real child process against the run's DynamoDB Local
 * (DYNAMODB_ENDPOINT), on its own table; helpers for JSON requests and SSE parsing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest, type Agent } from 'node:http';
import { AppTable, openStore, type Store } from '../../entities/index.ts';
import { connect } from '../../src/index.ts';
import { uniqueTableName } from '../support/db.ts';

export const root = new URL('../..', import.meta.url).pathname;

export interface Served {
  url: string;
  tableName: string;
  child: ChildProcess;
  /** Everything the child wrote to stdout and stderr so far. */
  log(): string;
  /** SIGTERM, then resolves with the exit code (idempotent). */
  stop(): Promise<number | null>;
  /** stop() and delete the table. */
  dispose(): Promise<void>;
}

export async function startServer(label: string, env: Record<string, string> = {}, args: string[] = []): Promise<Served> {
  const tableName = uniqueTableName(label);
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', '--port', '0', ...args], {
    cwd: root,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', TABLEKIT_TABLE: tableName, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /tablekit HTTP API on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    void exited.then((code) => reject(new Error(`tablekit-server exited (${code}) before listening:\n${output}`)));
  });
  let stopping: Promise<number | null> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    })());
  return {
    url,
    tableName,
    child,
    log: () => output,
    stop,
    async dispose() {
      await stop();
      await deleteTable(tableName);
    },
  };
}

/** Runs `work` with a store of its own on a served table (to arrange state the HTTP API has no route for). */
export async function withStore<T>(tableName: string, work: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore({ tableName, ensureTable: false });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

export async function deleteTable(tableName: string): Promise<void> {
  const connection = await connect();
  try {
    await AppTable.bind(connection, { tableName }).delete();
  } finally {
    await connection.close();
  }
}

/** The JSON shapes of the API's responses, as the tests read them. */
export interface ChangeJson {
  projectId: string;
  seq: number;
  entityType: string;
  entityId: string;
  operation: string;
  timestamp: string;
  data: Record<string, unknown>;
  outdatedBy?: number;
}
export interface PageJson<T> {
  items: T[];
  cursor?: string;
}
export interface UserJson {
  userId: string;
  email: string;
  firstName: string;
  lastName: string;
  isActive: boolean;
  version: number;
}
export interface ProgressJson {
  userId: string;
  videoId: string;
  positionSeconds: number;
  durationSeconds: number;
  completed: boolean;
}
export interface StatsJson {
  total: number;
  latestSeq: number;
  outdated: number;
  byEntityType: Record<string, number>;
  byOperation: Record<string, number>;
}
export interface ErrorJson {
  error: { code: string; message: string; issues?: { path: (string | number)[]; message: string }[] };
}

/** A response with its parsed JSON body, typed as the caller expects it (undefined for an empty body, the text if not JSON). */
export interface JsonResponse<T> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** fetch + JSON body. */
export async function request<T = unknown>(url: string, init: RequestInit & { json?: unknown; key?: string } = {}): Promise<JsonResponse<T>> {
  const { json, key, headers, ...rest } = init;
  const h = new Headers(headers);
  if (json !== undefined) h.set('content-type', 'application/json');
  if (key !== undefined) h.set('authorization', `Bearer ${key}`);
  const response = await fetch(url, { ...rest, headers: h, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) });
  const text = await response.text();
  let body: unknown;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: response.status, headers: response.headers, body: body as T, text };
}

export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

/** Reads SSE events from a fetch response body. */
export class SseReader {
  private buffer = '';
  private readonly decoder = new TextDecoder();
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  ended = false;

  constructor(response: Response) {
    if (!response.body) throw new Error('no response body');
    this.reader = response.body.getReader();
  }

  /** The next event, or undefined at end of stream. Comments (keep-alives) are skipped. */
  async next(): Promise<SseEvent | undefined> {
    for (;;) {
      const boundary = this.buffer.search(/\r?\n\r?\n/);
      if (boundary >= 0) {
        const block = this.buffer.slice(0, boundary);
        this.buffer = this.buffer.slice(boundary).replace(/^\r?\n\r?\n/, '');
        const event: SseEvent = { data: '' };
        const data: string[] = [];
        let fields = 0;
        for (const line of block.split(/\r?\n/)) {
          if (line.startsWith(':') || line === '') continue;
          const colon = line.indexOf(':');
          const name = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          fields++;
          if (name === 'id') event.id = value;
          else if (name === 'event') event.event = value;
          else if (name === 'data') data.push(value);
        }
        if (fields === 0) continue;
        event.data = data.join('\n');
        return event;
      }
      if (this.ended) return undefined;
      const { value, done } = await this.reader.read();
      if (done) {
        this.ended = true;
        if (this.buffer.trim() === '') return undefined;
        this.buffer += '\n\n';
        continue;
      }
      this.buffer += this.decoder.decode(value, { stream: true });
    }
  }

  /** Reads n events (fails if the stream ends first). */
  async take(n: number): Promise<SseEvent[]> {
    const events: SseEvent[] = [];
    while (events.length < n) {
      const event = await this.next();
      if (!event) throw new Error(`stream ended after ${events.length} of ${n} events`);
      events.push(event);
    }
    return events;
  }

  async cancel(): Promise<void> {
    await this.reader.cancel().catch(() => undefined);
  }
}

/** `n` change inputs for one entity type. */
export const changeInputs = (n: number, prefix = 'e') =>
  Array.from({ length: n }, (_, i) => ({ entityType: 'doc', entityId: `${prefix}${i}`, operation: 'create' as const, data: { n: i } }));

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request through a given node:http Agent (to control connection reuse). */
export function rawRequest(
  agent: Agent,
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent, method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
