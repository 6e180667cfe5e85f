/** The dddart conformance suite against DynamoDB Local (a fresh table per test). */
import { dddartSuite } from './dddart.ts';

dddartSuite('dynamodb');
