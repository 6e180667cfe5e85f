/** The kiss conformance suite against DynamoDB Local (a fresh table per test). */
import { dynamoBackend, productFactory } from './fixtures.ts';
import { kissSuite } from './kiss.ts';

kissSuite(dynamoBackend.name, productFactory(dynamoBackend));
