/** The kiss conformance suite against the in-memory twin (`inMemory()`, a fresh table per test). */
import { kissLiveSuite } from './kiss-live.ts';
import { kissQuerySuite } from './kiss-query.ts';
import { kissSuite } from './kiss.ts';

kissSuite('memory');
kissQuerySuite('memory');
kissLiveSuite('memory');
