import { type Command, Option } from 'commander';
import { toWorkbenchModel } from '../../docs/index.ts';
import { type ConnectionFlags, definitionOf, tableOptions } from '../options.ts';

export function addExportCommand(program: Command): void {
  const exportCommand = program.command('export').description('print the table as CloudFormation, AWS CLI commands, an IAM policy or a NoSQL Workbench model');
  tableOptions(exportCommand.command('cloudformation'))
    .description('AWS::DynamoDB::Table template')
    .addOption(new Option('--format <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .option('--table-name <name>', 'physical table name')
    .action(async (flags: ConnectionFlags & { format: 'yaml' | 'json' }) => {
      process.stdout.write((await definitionOf(flags)).toCloudFormation({ format: flags.format, ...(flags.tableName ? { tableName: flags.tableName } : {}) }));
    });
  tableOptions(exportCommand.command('aws-cli'))
    .description('aws dynamodb create-table + update-time-to-live commands')
    .option('--table-name <name>', 'physical table name')
    .option('--endpoint-url <url>', 'add --endpoint-url (e.g. for DynamoDB Local)')
    .option('--region <region>', 'add --region')
    .action(async (flags: ConnectionFlags & { endpointUrl?: string }) => {
      process.stdout.write(
        (await definitionOf(flags)).toAwsCli({
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
        (await definitionOf(flags)).toIamPolicy({
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
      const model = toWorkbenchModel(await definitionOf(flags), flags.tableName ? { tableName: flags.tableName } : {});
      process.stdout.write(`${JSON.stringify(model, null, 2)}\n`);
    });
}
