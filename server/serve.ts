import { serve as serveNode } from '@hono/node-server';
import { openStore, type StoreOptions } from '../entities/index.ts';
import { apiKeysFromEnv } from './auth.ts';
import { createHttpApp, type HttpAppOptions } from './app.ts';

export interface ServeOptions extends HttpAppOptions {
  port?: number;
  host?: string;
  store?: StoreOptions;
  /** How long SIGTERM waits for in-flight requests before closing anyway (default 10 s). */
  drainMs?: number;
  log?: (line: string) => void;
}

const loopback = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * Runs the HTTP API on Node. SIGTERM/SIGINT: SSE streams end, in-flight requests finish, then the
 * store closes (stopping an embedded DynamoDB Local) and the process exits.
 */
export async function serveHttp(options: ServeOptions = {}): Promise<{ url: string; close(): Promise<void> }> {
  const log = options.log ?? ((line: string) => console.log(line));
  const apiKeys = options.apiKeys ?? apiKeysFromEnv();
  let host = options.host ?? (apiKeys.enabled ? '0.0.0.0' : '127.0.0.1');
  if (!apiKeys.enabled && !loopback.has(host)) {
    log(`no API keys configured (TABLEKIT_API_KEYS): binding to 127.0.0.1 instead of ${host}`);
    host = '127.0.0.1';
  }
  const store = await openStore({ tableName: process.env.TABLEKIT_TABLE, ...options.store });
  const http = createHttpApp(store, { ...options, apiKeys });
  const server = await new Promise<ReturnType<typeof serveNode>>((resolve, reject) => {
    const started = serveNode({ fetch: http.fetch, port: options.port ?? 3000, hostname: host }, () => resolve(started));
    started.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log(
    `tablekit HTTP API on ${url} (table '${store.table.tableName}', ${store.connection.source} DynamoDB${apiKeys.enabled ? ', API keys required' : ', no API keys: loopback only'})`,
  );

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      http.closeLiveStreams();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          clearInterval(idle);
          (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
          resolve();
        }, options.drainMs ?? 10_000);
        server.close(() => {
          clearTimeout(timer);
          clearInterval(idle);
          resolve();
        });
        // Connections become idle as SSE streams and requests finish: close them as they do.
        const closeIdle = () => (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
        const idle = setInterval(closeIdle, 50);
        closeIdle();
      });
      await store.close();
    })());
  return { url, close };
}
