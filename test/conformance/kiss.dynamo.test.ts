/** The kiss conformance suite against DynamoDB Local (a fresh table per test). */
import { kissLiveSuite } from './kiss-live.ts';
import { kissQuerySuite } from './kiss-query.ts';
import { kissSuite } from './kiss.ts';

kissSuite('dynamodb');
kissQuerySuite('dynamodb');
kissLiveSuite('dynamodb');
