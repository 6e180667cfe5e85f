export { startLocalDynamo, type LocalDynamo, type LocalDynamoOptions } from './start.ts';
export { LocalDynamoError, assertJavaAvailable, parseJavaMajor, MINIMUM_JAVA_MAJOR } from './java.ts';
