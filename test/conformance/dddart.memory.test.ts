/** The dddart conformance suite against the in-memory twin (`inMemory()`, a fresh table per test). */
import { dddartSuite } from './dddart.ts';

dddartSuite('memory');
