import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface DocCheck {
  upToDate: boolean;
  /** A short human summary of what differs. */
  summary: string;
}

/** Compares a generated document with the committed file and summarises the difference. */
export function compareDoc(path: string, generated: string): DocCheck {
  if (!existsSync(path)) return { upToDate: false, summary: `${path} does not exist` };
  const committed = readFileSync(path, 'utf8');
  if (committed === generated) return { upToDate: true, summary: `${path} is up to date` };
  const expected = generated.split('\n');
  const actual = committed.split('\n');
  const committedSet = new Set(actual);
  const generatedSet = new Set(expected);
  const added = expected.filter((line) => !committedSet.has(line)).length;
  const removed = actual.filter((line) => !generatedSet.has(line)).length;
  const first = expected.findIndex((line, index) => line !== actual[index]);
  const at = first === -1 ? Math.min(expected.length, actual.length) : first;
  return {
    upToDate: false,
    summary:
      `${path} is stale: ${added} line(s) would be added and ${removed} removed; first difference at line ${at + 1}:\n` +
      `  committed: ${actual[at] ?? '(end of file)'}\n  generated: ${expected[at] ?? '(end of file)'}`,
  };
}

export function writeDoc(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}
