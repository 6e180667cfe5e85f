export { StreamReader, type RawChange, type RawListener, type StreamReaderOptions } from './reader.ts';
export { LiveStream, type Observer, type Producer } from './live-stream.ts';
export { disposeStreamReaders, streamReaderFor } from './registry.ts';
