/** tablekit studio: a local web app to look at, query and edit any tablekit table. */
export { createStudioApp, type StudioApp, type StudioAppOptions } from './app.ts';
export { openStudio, type Studio, type StudioOptions } from './studio.ts';
export { serveStudio, type ServedStudio, type ServeStudioOptions } from './server.ts';
export { dynamoRecorder, memoryRecorder, type Recorded, type RecordedRequest, type RequestRecorder } from './recorder.ts';
export { samplesOf, seedSamples } from './seed.ts';
