#!/usr/bin/env node
/**
 * The bundled application's HTTP server: `npm run serve` in this repository, `npx tablekit-server`
 * where tablekit is installed. SIGINT/SIGTERM drain requests, then stop.
 */
import { Command, InvalidArgumentError } from 'commander';
import { serveHttp } from './serve.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const parsePort = (value: string) => {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('must be a port number (0-65535; 0 = any free port)');
  return port;
};

const program = new Command('tablekit-server')
  .description('the bundled HTTP API (change log with an SSE live feed, users, video progress); embedded DynamoDB Local by default')
  .option('--port <port>', 'port (default: 3000; 0 = any free port)', parsePort, 3000)
  .option('--host <host>', 'interface (default: 0.0.0.0 with API keys, else 127.0.0.1 only)')
  .showHelpAfterError();

try {
  const flags = program.parse().opts<{ port: number; host?: string }>();
  const server = await serveHttp({ port: flags.port, ...(flags.host ? { host: flags.host } : {}) });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.log(`${signal}: draining requests, then stopping`);
      void server.close().then(() => process.exit(0));
    });
  }
} catch (error) {
  console.error(`tablekit-server: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
