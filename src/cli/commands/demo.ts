import type { Command } from 'commander';
import { connect } from '../../connection/index.ts';
import { runDemo } from '../demo.ts';
import { type ConnectionFlags, connectOptions, connectionOptions, definitionOf, tableOptions } from '../options.ts';

export function addDemoCommand(program: Command): void {
  tableOptions(connectionOptions(program.command('demo')))
    .description("a tour of your table: ensure it, write each entity's example, read it back, run every access pattern, clean up")
    .action(async (flags: ConnectionFlags) => {
      const started = performance.now();
      const definition = await definitionOf(flags);
      const connection = await connect(connectOptions(flags));
      console.log(`tablekit demo: connected (${connection.source}) in ${(performance.now() - started).toFixed(0)} ms`);
      try {
        await runDemo(definition, connection, { tableName: flags.tableName ?? definition.name });
      } finally {
        await connection.close();
      }
      console.log(`\nDone in ${(performance.now() - started).toFixed(0)} ms; ${connection.local ? 'embedded DynamoDB Local stopped.' : 'connection closed.'}`);
    });
}
