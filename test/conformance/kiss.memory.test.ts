/** The kiss conformance suite against InMemoryRepository. */
import { memoryBackend, productFactory } from './fixtures.ts';
import { kissSuite } from './kiss.ts';

kissSuite(memoryBackend.name, productFactory(memoryBackend));
