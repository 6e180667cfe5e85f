export { addDemoCommand } from './demo.ts';
export { addDocsCommand } from './docs.ts';
export { addExportCommand } from './export.ts';
export { addLocalCommand } from './local.ts';
export { addMigrateCommand } from './migrate.ts';
export { addStudioCommand } from './studio.ts';
export { addTableCommand } from './table.ts';
