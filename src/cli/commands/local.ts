import type { Command } from 'commander';
import { startLocalDynamo } from '../../local/index.ts';
import { parsePort } from '../options.ts';
import { runStudio } from '../studio.ts';

interface LocalFlags {
  port: number;
  dbPath?: string;
  admin?: boolean;
  module?: string;
}

export function addLocalCommand(program: Command): void {
  program
    .command('local')
    .description('run DynamoDB Local in the foreground for your dev loop (Ctrl-C stops it)')
    .option('--port <port>', 'port (default: 8000)', parsePort, 8000)
    .option('--db-path <dir>', 'keep data in this directory (default: in memory)')
    .option('--admin', 'also serve the studio on it (http://127.0.0.1:4321) for --module')
    .option('--module <path>', 'with --admin: module exporting your table definition (required with --admin)')
    .action(async (flags: LocalFlags) => {
      // Checked before java starts: a studio without a table would leave a database nobody asked for.
      if (flags.admin && !flags.module) throw new Error('--admin needs --module <file> (a module exporting your defineTable(...))');
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
}
