import type { TableDefinition } from '../entity/index.ts';
import type { EntityMap } from '../table/index.ts';
import { loadTable } from './load-table.ts';

export interface StudioFlags {
  port: number;
  host?: string;
  module?: string;
  export?: string;
  endpoint?: string;
  region?: string;
  tableName?: string;
  memory?: boolean;
  seed?: boolean;
}

/** `tablekit studio`: serves until SIGINT / SIGTERM, then stops the server and an embedded DynamoDB Local. */
export async function runStudio(flags: StudioFlags): Promise<void> {
  const { serveStudio } = await import('../studio/index.ts');
  if (!flags.memory && !flags.endpoint && !flags.region && !process.env.DYNAMODB_ENDPOINT && !process.env.AWS_REGION && !process.env.AWS_DEFAULT_REGION) {
    console.error('note: no --endpoint, DYNAMODB_ENDPOINT or AWS_REGION given: using a temporary in-memory DynamoDB Local.');
  }
  const serve = <E extends EntityMap>(definition: TableDefinition<E>) =>
    serveStudio({
      definition,
      port: flags.port,
      ...(flags.host ? { host: flags.host } : {}),
      ...(flags.memory ? { memory: true } : {}),
      ...(flags.seed ? { seed: true } : {}),
      ...(flags.tableName ? { tableName: flags.tableName } : {}),
      connect: { ...(flags.endpoint ? { endpoint: flags.endpoint } : {}), ...(flags.region ? { region: flags.region } : {}) },
    });
  // The table of --module, loaded like any user's (the library never imports the bundled application).
  const served = await serve(await loadTable(flags.module, flags.export));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.log(`${signal}: stopping the studio`);
      void served.close().then(() => process.exit(0));
    });
  }
}
