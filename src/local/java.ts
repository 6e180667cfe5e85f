import { spawnSync } from 'node:child_process';

export const MINIMUM_JAVA_MAJOR = 17;

/** Thrown when DynamoDB Local cannot run here; the message says how to fix it. */
export class LocalDynamoError extends Error {
  override readonly name = 'LocalDynamoError';
}

const installHint =
  `Install Java ${MINIMUM_JAVA_MAJOR}+ (for example: apt-get install -y openjdk-17-jre-headless), ` +
  'or point tablekit at another DynamoDB with DYNAMODB_ENDPOINT=http://host:port.';

/** Parses the major version out of `java -version` output ("17.0.15", "1.8.0_292", "21"). */
export function parseJavaMajor(versionOutput: string): number | undefined {
  const match = /version "([^"]+)"/.exec(versionOutput) ?? /(?:openjdk|java) (\d[\d.]*)/i.exec(versionOutput);
  const version = match?.[1];
  if (!version) return undefined;
  const [first, second] = version.split(/[._-]/).map(Number);
  if (first === 1 && second !== undefined) return second;
  return Number.isFinite(first) ? first : undefined;
}

/** Fails with one clear error when java is missing or too old. */
export function assertJavaAvailable(javaCommand = 'java'): void {
  const result = spawnSync(javaCommand, ['-version'], { encoding: 'utf8', timeout: 15_000 });
  if (result.error) {
    throw new LocalDynamoError(`DynamoDB Local needs Java but '${javaCommand}' was not found. ${installHint}`);
  }
  const output = `${result.stderr ?? ''}${result.stdout ?? ''}`;
  const major = parseJavaMajor(output);
  if (major === undefined) {
    throw new LocalDynamoError(`Could not read the Java version from '${javaCommand} -version'. ${installHint}`);
  }
  if (major < MINIMUM_JAVA_MAJOR) {
    throw new LocalDynamoError(`DynamoDB Local 3 needs Java ${MINIMUM_JAVA_MAJOR}+, found Java ${major}. ${installHint}`);
  }
}
