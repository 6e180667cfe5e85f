/** The dddart conformance suite against InMemoryRepository. */
import { Aggregate, memoryBackend, productFactory } from './fixtures.ts';
import { dddartSuite } from './dddart.ts';

dddartSuite(memoryBackend.name, productFactory(memoryBackend), () => memoryBackend.open(Aggregate));
