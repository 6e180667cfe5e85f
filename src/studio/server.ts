import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { connect, type Connection, type ConnectOptions } from '../connection/index.ts';
import type { TableDefinition } from '../entity/index.ts';
import { inMemory, type MemoryConnection } from '../storage/index.ts';
import type { EntityMap } from '../table/index.ts';
import { createStudioApp } from './app.ts';
import { seedSamples } from './seed.ts';
import { openStudio, type Studio } from './studio.ts';

export interface ServeStudioOptions<E extends EntityMap = EntityMap> {
  definition: TableDefinition<E>;
  /** A connection of yours (the studio adds its request recorder to it); default: one of its own. */
  connection?: Connection | MemoryConnection;
  /** Options of the studio's own connection (default: DYNAMODB_ENDPOINT / AWS_REGION, else an embedded DynamoDB Local). */
  connect?: ConnectOptions;
  /** Use the in-memory twin instead of DynamoDB. */
  memory?: boolean;
  tableName?: string;
  /** Default 4321; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1: only this machine can reach the studio. */
  host?: string;
  /** Write each entity's samples when the server starts. */
  seed?: boolean;
  log?: (line: string) => void;
}

export interface ServedStudio {
  readonly url: string;
  readonly studio: Studio;
  /** Ends live views, stops the server, closes the studio's own connection (stopping an embedded DynamoDB Local). */
  close(): Promise<void>;
}

const loopback = (host: string) => host === 'localhost' || host === '::1' || host.startsWith('127.');

/** Runs the studio on Node: binds to loopback unless told otherwise, and says which. */
export async function serveStudio<E extends EntityMap>(options: ServeStudioOptions<E>): Promise<ServedStudio> {
  const log = options.log ?? ((line: string) => console.log(line));
  const host = options.host ?? '127.0.0.1';
  const owned = options.connection === undefined;
  const connection = options.connection ?? (options.memory ? inMemory() : await connect(options.connect));
  const closeConnection = () => (owned ? connection.close() : Promise.resolve());
  let studio: Studio;
  try {
    studio = openStudio({ definition: options.definition, connection, ...(options.tableName ? { tableName: options.tableName } : {}) });
    await studio.table.ensure();
    if (options.seed) log(`wrote ${await seedSamples(studio)} sample item(s)`);
  } catch (error) {
    await closeConnection();
    throw error;
  }
  const app = createStudioApp(studio, { anyHost: !loopback(host) });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, port: options.port ?? 4321, hostname: host }, () => resolve(started));
    started.once('error', reject);
  }).catch(async (error: unknown) => {
    await closeConnection();
    throw error;
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log(`tablekit studio on ${url} (table '${studio.table.tableName}', ${studio.where})`);
  log(
    loopback(host)
      ? `listening on ${host} only: no other machine can reach it (pass --host to expose it; it has no login)`
      : `WARNING: listening on ${host}: anyone who can reach this machine can read and change table '${studio.table.tableName}' (the studio has no login)`,
  );
  let closing: Promise<void> | undefined;
  return {
    url,
    studio,
    close: () =>
      (closing ??= (async () => {
        app.closeLiveStreams();
        studio.table.closeStreams();
        const sockets = server as { closeIdleConnections?: () => void; closeAllConnections?: () => void };
        await new Promise<void>((resolve) => {
          // Live views end first; their connections (and idle keep-alive ones) close as they go idle, the rest after a grace period.
          const idle = setInterval(() => sockets.closeIdleConnections?.(), 20);
          const force = setTimeout(() => sockets.closeAllConnections?.(), 2_000);
          server.close(() => {
            clearInterval(idle);
            clearTimeout(force);
            resolve();
          });
          sockets.closeIdleConnections?.();
        });
        await closeConnection();
      })()),
  };
}
