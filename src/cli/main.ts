#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import { connect, type Connection } from '../connection/index.ts';
import { compareDoc, generateAccessPatternDoc, toWorkbenchModel, writeDoc } from '../docs/index.ts';
import { startLocalDynamo } from '../local/index.ts';
import { servicePatternUsage } from '../services/index.ts';
import { listTables } from '../table/index.ts';
import type { BoundTable, TableDefinition } from '../entity/index.ts';
import { runDemo } from './demo.ts';
import { runStudio, type StudioFlags } from './studio.ts';
import { loadTable } from './load-table.ts';
import { runMigrate, type MigrateFlags } from './migrate.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

interface ConnectionFlags {
  endpoint?: string;
  region?: string;
  tableName?: string;
  module?: string;
  export?: string;
}

const parseCount = (value: string) => {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1) throw new InvalidArgumentError('must be a positive integer');
  return count;
};

const parsePort = (value: string) => {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new InvalidArgumentError('must be a port number (1-65535)');
  return port;
};

function connectionOptions(command: Command): Command {
  return command
    .option('--endpoint <url>', 'DynamoDB endpoint (default: $DYNAMODB_ENDPOINT, else AWS by region, else embedded)')
    .option('--region <region>', 'AWS region (default: $AWS_REGION)')
    .option('--table-name <name>', 'physical table name (default: the definition name)');
}

function tableOptions(command: Command): Command {
  return command
    .option('--module <path>', 'module exporting your table definition, e.g. entities/table.ts (required)')
    .option('--export <name>', 'export name of the table definition in --module (default: its only table)');
}

async function withConnection<T>(flags: ConnectionFlags, action: (connection: Connection) => Promise<T>): Promise<T> {
  const connection = await connect({ ...(flags.endpoint ? { endpoint: flags.endpoint } : {}), ...(flags.region ? { region: flags.region } : {}) });
  if (connection.source === 'embedded') {
    console.error('note: no --endpoint, DYNAMODB_ENDPOINT or AWS_REGION given: using a temporary in-memory DynamoDB Local.');
  }
  try {
    return await action(connection);
  } finally {
    await connection.close();
  }
}

const table = (flags: ConnectionFlags): Promise<TableDefinition> => loadTable(flags.module, flags.export);

/** Loads the table definition BEFORE connecting: a missing --module never starts an embedded DynamoDB Local. */
async function withTable<T>(flags: ConnectionFlags, action: (bound: BoundTable) => Promise<T>): Promise<T> {
  const definition = await table(flags);
  return withConnection(flags, (connection) => action(definition.bind(connection, flags.tableName ? { tableName: flags.tableName } : {})));
}
const print = (value: unknown) => console.log(typeof value === 'string' ? value : JSON.stringify(value, null, 2));

export function buildProgram(): Command {
  const program = new Command('tablekit')
    .description('Single-table DynamoDB modelling: zod entities, ElectroDB keys, table exports, embedded DynamoDB Local.')
    .showHelpAfterError('(run with --help for usage)');

  tableOptions(connectionOptions(program.command('demo')))
    .description("a tour of your table: ensure it, write each entity's example, read it back, run every access pattern, clean up")
    .action(async (flags: ConnectionFlags) => {
      const started = performance.now();
      const definition = await table(flags);
      const connection = await connect({ ...(flags.endpoint ? { endpoint: flags.endpoint } : {}), ...(flags.region ? { region: flags.region } : {}) });
      console.log(`tablekit demo: connected (${connection.source}) in ${(performance.now() - started).toFixed(0)} ms`);
      try {
        const tableName = flags.tableName ?? definition.name;
        await runDemo(definition, connection, { tableName });
      } finally {
        await connection.close();
      }
      console.log(`\nDone in ${(performance.now() - started).toFixed(0)} ms; ${connection.local ? 'embedded DynamoDB Local stopped.' : 'connection closed.'}`);
    });

  program
    .command('local')
    .description('run DynamoDB Local in the foreground for your dev loop (Ctrl-C stops it)')
    .option('--port <port>', 'port (default: 8000)', parsePort, 8000)
    .option('--db-path <dir>', 'keep data in this directory (default: in memory)')
    .option('--admin', 'also serve the studio on it (http://127.0.0.1:4321) for --module, else the bundled table')
    .option('--module <path>', 'with --admin: module exporting your table definition')
    .action(async (flags: { port: number; dbPath?: string; admin?: boolean; module?: string }) => {
      const local = await startLocalDynamo({ port: flags.port, ...(flags.dbPath ? { dbPath: flags.dbPath } : {}) });
      console.log(`DynamoDB Local is running at ${local.endpoint} (pid ${local.pid}, ${flags.dbPath ? `data in ${flags.dbPath}` : 'in memory'}).`);
      console.log(`export DYNAMODB_ENDPOINT=${local.endpoint}`);
      if (flags.admin) await runStudio({ port: 4321, endpoint: local.endpoint, ...(flags.module ? { module: flags.module } : {}) });
      const alive = setInterval(() => undefined, 1 << 30);
      // When java dies (killed, out of memory), the endpoint is gone: say so and exit non-zero.
      void local.exited.then(({ code, signal }) => {
        clearInterval(alive);
        console.error(`tablekit local: DynamoDB Local stopped (${signal ?? `exit code ${code}`})`);
        process.exitCode = 1;
      });
    });

  connectionOptions(program.command('studio'))
    .description('a local web app over your table: entities, access patterns as forms, item editor, live writes, facets')
    .option('--port <port>', 'port (default: 4321; 0 = any free port)', (value: string) => (value === '0' ? 0 : parsePort(value)), 4321)
    .option('--host <host>', 'interface to listen on (default: 127.0.0.1, this machine only; the studio has no login)')
    .option('--module <path>', 'module exporting your table definition (default: the bundled application table)')
    .option('--export <name>', 'export name of the table definition in --module (default: its only table)')
    .option('--memory', 'use the in-memory twin instead of DynamoDB')
    .option('--seed', "write each entity's sample items on start")
    .action(async (flags: StudioFlags) => runStudio(flags));

  const tableCommand = program.command('table').description('manage the table (ensure | delete | describe | list)');
  tableOptions(connectionOptions(tableCommand.command('ensure')))
    .description('create the table if missing, wait until ACTIVE, enable TTL; fails if an existing table differs')
    .action((flags: ConnectionFlags) => withTable(flags, async (bound) => print(await bound.ensure())));
  tableOptions(connectionOptions(tableCommand.command('delete')))
    .description('delete the table')
    .action((flags: ConnectionFlags) =>
      withTable(flags, async (bound) => print((await bound.delete()) ? `deleted ${bound.tableName}` : `${bound.tableName} did not exist`)),
    );
  tableOptions(connectionOptions(tableCommand.command('describe')))
    .description('show the live table: keys, indexes, stream, TTL, item count')
    .action((flags: ConnectionFlags) =>
      withTable(flags, async (bound) => {
        const summary = await bound.describe();
        if (!summary) throw new Error(`table ${bound.tableName} does not exist (create it with: tablekit table ensure)`);
        print(summary);
      }),
    );
  connectionOptions(tableCommand.command('list'))
    .description('list the tables on the connection')
    .action((flags: ConnectionFlags) => withConnection(flags, async (c) => print((await listTables(c.client)).join('\n') || '(no tables)')));

  const exportCommand = program.command('export').description('print the table as CloudFormation, AWS CLI commands or an IAM policy');
  tableOptions(exportCommand.command('cloudformation'))
    .description('AWS::DynamoDB::Table template')
    .addOption(new Option('--format <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .option('--table-name <name>', 'physical table name')
    .action(async (flags: ConnectionFlags & { format: 'yaml' | 'json' }) => {
      process.stdout.write((await table(flags)).toCloudFormation({ format: flags.format, ...(flags.tableName ? { tableName: flags.tableName } : {}) }));
    });
  tableOptions(exportCommand.command('aws-cli'))
    .description('aws dynamodb create-table + update-time-to-live commands')
    .option('--table-name <name>', 'physical table name')
    .option('--endpoint-url <url>', 'add --endpoint-url (e.g. for DynamoDB Local)')
    .option('--region <region>', 'add --region')
    .action(async (flags: ConnectionFlags & { endpointUrl?: string }) => {
      process.stdout.write(
        (await table(flags)).toAwsCli({
          ...(flags.tableName ? { tableName: flags.tableName } : {}),
          ...(flags.endpointUrl ? { endpointUrl: flags.endpointUrl } : {}),
          ...(flags.region ? { region: flags.region } : {}),
        }),
      );
    });
  tableOptions(exportCommand.command('iam'))
    .description('least-privilege IAM policy for the table and its indexes')
    .option('--table-name <name>', 'physical table name')
    .option('--region <region>', 'region in the ARNs (default *)')
    .option('--account <id>', 'account id in the ARNs (default *)')
    .option('--management', 'also allow ensure() (CreateTable, DescribeTable, UpdateTimeToLive)')
    .option('--no-streams', 'leave out reading the table stream (stream(), follow(), changes())')
    .addOption(new Option('--format <format>', 'output format').choices(['json']).default('json'))
    .action(async (flags: ConnectionFlags & { account?: string; management?: boolean; streams: boolean }) => {
      process.stdout.write(
        (await table(flags)).toIamPolicy({
          ...(flags.tableName ? { tableName: flags.tableName } : {}),
          ...(flags.region ? { region: flags.region } : {}),
          ...(flags.account ? { accountId: flags.account } : {}),
          includeManagement: flags.management ?? false,
          includeStreams: flags.streams,
        }),
      );
    });

  tableOptions(exportCommand.command('workbench'))
    .description('NoSQL Workbench data model (JSON): keys, GSIs, one facet per access pattern, sample items with real keys')
    .option('--table-name <name>', 'physical table name')
    .action(async (flags: ConnectionFlags) => {
      const model = toWorkbenchModel(await table(flags), flags.tableName ? { tableName: flags.tableName } : {});
      process.stdout.write(`${JSON.stringify(model, null, 2)}\n`);
    });

  tableOptions(connectionOptions(program.command('migrate')))
    .description('run the migrations the module exports (defineMigration): in order, each once, resumable; a progress bar on a terminal')
    .option('--dry-run', 'read and report what would change; write nothing')
    .option('--segments <n>', 'parallel Scan segments (default 4)', parseCount)
    .option('--page-size <n>', 'items per Scan request (default 500)', parseCount)
    .option('--batch-size <n>', 'items per transaction (default and at most 49)', parseCount)
    .option('--concurrency <n>', 'transactions in flight per segment (default 2)', parseCount)
    .option('--max-rate <n>', 'at most n items per second (default: unlimited)', parseCount)
    .addOption(new Option('--progress <mode>', 'progress display').choices(['auto', 'bar', 'lines', 'none']).default('auto'))
    .action((flags: MigrateFlags) => runMigrate(flags));

  tableOptions(program.command('docs'))
    .description('generate the access-pattern document; --check fails when the committed file is stale')
    .option('--check', 'exit 1 if the file differs from what would be generated')
    .option('--out <path>', 'output file', 'docs/access-patterns.md')
    .action(async (flags: ConnectionFlags & { check?: boolean; out: string }) => {
      // Tables with the library's service entities document the services' patterns too.
      const definition = await table(flags);
      const names = new Set([...Object.keys(definition.entities), ...definition.internalEntities.map((entity) => entity.name)]);
      const usages = servicePatternUsage.filter((usage) => names.has(usage.entity));
      const content = generateAccessPatternDoc(definition, { usages, ...(flags.module ? { module: flags.module } : {}) });
      if (flags.check) {
        const result = compareDoc(flags.out, content);
        if (!result.upToDate)
          throw new Error(
            `${result.summary}\nRegenerate it with: npx tablekit docs${flags.module ? ` --module ${flags.module}` : ''} --out ${flags.out}, and commit it.`,
          );
        console.log(result.summary);
        return;
      }
      writeDoc(flags.out, content);
      console.log(`wrote ${flags.out}`);
    });

  return program;
}

export async function main(argv = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    console.error(`tablekit: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
