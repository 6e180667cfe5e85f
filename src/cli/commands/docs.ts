import type { Command } from 'commander';
import { compareDoc, generateAccessPatternDoc, writeDoc } from '../../docs/index.ts';
import { servicePatternUsage } from '../../services/index.ts';
import { type ConnectionFlags, definitionOf, tableOptions } from '../options.ts';

export function addDocsCommand(program: Command): void {
  tableOptions(program.command('docs'))
    .description('generate the access-pattern document; --check fails when the committed file is stale')
    .option('--check', 'exit 1 if the file differs from what would be generated')
    .option('--out <path>', 'output file', 'docs/access-patterns.md')
    .action(async (flags: ConnectionFlags & { check?: boolean; out: string }) => {
      // Tables with the library's service entities document the services' patterns too.
      const definition = await definitionOf(flags);
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
}
