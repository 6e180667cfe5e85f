export { createHttpApp, type HttpApp, type HttpAppOptions } from './app.ts';
export { apiKeysFromEnv, parseApiKeys, type ApiKeys, type KeyScope } from './auth.ts';
export { serveHttp, type ServeOptions } from './serve.ts';
export { handler } from './lambda.ts';
