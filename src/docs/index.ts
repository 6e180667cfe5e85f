export { generateAccessPatternDoc, type DocOptions } from './access-patterns.ts';
export { compareDoc, writeDoc, type DocCheck } from './check.ts';
export { exampleItem } from './examples.ts';
