export { fieldType, generateAccessPatternDoc, type DocOptions } from './access-patterns.ts';
export { compareDoc, writeDoc, type DocCheck } from './check.ts';
export { exampleItem } from './examples.ts';
export { generateSample, sampleValue, type GeneratedSample } from './samples.ts';
export { designWarnings, type DesignWarning, type PatternUsage } from './warnings.ts';
export { entityKeysOf, layoutEntities, storedSample } from './keys.ts';
export { toWorkbenchModel, type WorkbenchModel, type WorkbenchOptions } from './workbench.ts';
