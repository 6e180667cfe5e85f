/** The dddart conformance suite against DynamoDB Local (a fresh table per test). */
import { Aggregate, dynamoBackend, productFactory } from './fixtures.ts';
import { dddartSuite } from './dddart.ts';

dddartSuite(dynamoBackend.name, productFactory(dynamoBackend), () => dynamoBackend.open(Aggregate));
