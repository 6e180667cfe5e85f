import type { Command } from 'commander';
import { listTables } from '../../table/index.ts';
import { type ConnectionFlags, connectionOptions, print, tableOptions, withConnection, withTable } from '../options.ts';

export function addTableCommand(program: Command): void {
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
}
