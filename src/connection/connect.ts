import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startLocalDynamo, type LocalDynamo, type LocalDynamoOptions } from '../local/index.ts';
import { disposeStreamReaders } from '../streams/index.ts';
import { resolveOncePerCommand } from './send.ts';

export type ConnectionSource = 'client' | 'explicit' | 'environment' | 'embedded';

export interface ConnectOptions {
  /** A ready client; tablekit uses it as is, never changes its settings and never destroys it. */
  client?: DynamoDBClient;
  /** A ready DocumentClient (its client is used; its marshalling options stay yours, tablekit keeps its own). */
  documentClient?: DynamoDBDocumentClient;
  /** DynamoDB endpoint, e.g. http://127.0.0.1:8000 for DynamoDB Local. */
  endpoint?: string;
  region?: string;
  credentials?: DynamoDBClientConfig['credentials'];
  /** Extra SDK client settings (retries, timeouts, request handler). */
  clientConfig?: DynamoDBClientConfig;
  /** Options for the embedded DynamoDB Local used when nothing else is configured. */
  embedded?: LocalDynamoOptions;
  /** Environment to read (default process.env): endpoint, region AND credentials come from it. */
  env?: NodeJS.ProcessEnv;
}

export interface Connection {
  readonly client: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
  /** How the connection was resolved. */
  readonly source: ConnectionSource;
  readonly endpoint: string | undefined;
  readonly region: string;
  /** The embedded DynamoDB Local, when this connection started one. */
  readonly local: LocalDynamo | undefined;
  /** Releases sockets and stops an embedded DynamoDB Local this connection started; idempotent. */
  close(): Promise<void>;
}

const LOCAL_REGION = 'local';
/** Defaults of the clients tablekit creates (`clientConfig.requestHandler` replaces them). */
export const DEFAULT_CONNECTION_TIMEOUT_MS = 3_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

function isLoopback(endpoint: string): boolean {
  try {
    const host = new URL(endpoint).hostname;
    return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
  } catch {
    return false;
  }
}

/** Marshalling options of every DocumentClient tablekit creates, and of its own requests (the storage converts values with them). */
export const translateConfig = {
  // Class instances never reach the DocumentClient (validation refuses them); maps with a `constructor` key must still marshal.
  marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
  unmarshallOptions: { wrapNumbers: false },
} as const;

/**
 * tablekit's own DocumentClient over a client. The SDK's DocumentClient writes its marshalling
 * options onto the client's config object, which every DocumentClient of that client shares:
 * building ours on a copy of the config leaves the caller's DocumentClients as they were.
 */
function documentClientOf(client: Pick<DynamoDBClient, 'config' | 'middlewareStack'>): DynamoDBDocumentClient {
  // The DocumentClient refuses a config with the SDK's cacheMiddleware; tablekit's requests do not go through it anyway.
  return DynamoDBDocumentClient.from(
    { config: { ...client.config, cacheMiddleware: false }, middlewareStack: client.middlewareStack } as DynamoDBClient,
    translateConfig,
  );
}

function wrap(client: DynamoDBClient, source: ConnectionSource, endpoint: string | undefined, region: string, owned: boolean, local?: LocalDynamo): Connection {
  const doc = documentClientOf(client);
  let closed: Promise<void> | undefined;
  return {
    client,
    doc,
    source,
    endpoint,
    region,
    local,
    close: () =>
      (closed ??= (async () => {
        // Live subscriptions on this client complete; their pollers stop.
        disposeStreamReaders(client);
        if (owned) client.destroy();
        await local?.stop();
      })()),
  };
}

/**
 * What the SDK's default logger does (nothing), minus its info(): the SDK's logger middleware
 * builds a redacted deep copy of every request and every response to hand to info(), which the
 * default logger then drops — 10–35 µs per request. Without info() it skips that. A logger given
 * in `clientConfig` replaces this one.
 */
const quietLogger = { trace() {}, debug() {}, warn() {}, error() {} } as unknown as NonNullable<DynamoDBClientConfig['logger']>;

function clientFor(endpoint: string | undefined, region: string, options: ConnectOptions): DynamoDBClient {
  const environment = options.env ?? process.env;
  const hasEnvCredentials = Boolean(environment.AWS_ACCESS_KEY_ID && environment.AWS_SECRET_ACCESS_KEY);
  const credentials =
    options.credentials ?? envCredentials(options.env) ?? (endpoint && isLoopback(endpoint) && !hasEnvCredentials ? localCredentials : undefined);
  const client = new DynamoDBClient({
    // A few more attempts than the SDK's 3 for throttling and 5xx (DynamoDB Local answers 500 under lock contention).
    maxAttempts: 6,
    // Bounded waits: a database that stops answering fails the request (and the SDK retries it) instead of hanging.
    requestHandler: { connectionTimeout: DEFAULT_CONNECTION_TIMEOUT_MS, requestTimeout: DEFAULT_REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true },
    // Nothing is logged, as with the SDK's default logger, but without info(): see quietLogger.
    logger: quietLogger,
    ...options.clientConfig,
    region,
    ...(endpoint ? { endpoint } : {}),
    ...(credentials ? { credentials } : {}),
  });
  resolveOncePerCommand(client);
  return client;
}

/**
 * Credentials from the environment tablekit was given. For an explicit `env` they are passed to
 * the client, so that env — not process.env — governs them; otherwise the SDK's default chain
 * (env, shared files, IAM role) resolves them itself.
 */
function envCredentials(env: NodeJS.ProcessEnv | undefined): DynamoDBClientConfig['credentials'] | undefined {
  if (!env?.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY) return undefined;
  return {
    accessKeyId: env.AWS_ACCESS_KEY_ID,
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
    ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
  };
}

/**
 * Resolves where DynamoDB is: explicit options, then the environment (DYNAMODB_ENDPOINT,
 * AWS_REGION / AWS_DEFAULT_REGION with the SDK's default credential chain), then an embedded
 * DynamoDB Local started in memory on a free port.
 */
export async function connect(options: ConnectOptions = {}): Promise<Connection> {
  const env = options.env ?? process.env;
  const envRegion = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const given = options.client ?? (options.documentClient as unknown as DynamoDBClient | undefined);
  if (given) {
    const region = (await given.config.region()) ?? LOCAL_REGION;
    return wrap(given, 'client', options.endpoint, region, false);
  }
  if (options.endpoint || options.region) {
    const region = options.region ?? envRegion ?? LOCAL_REGION;
    return wrap(clientFor(options.endpoint, region, options), 'explicit', options.endpoint, region, true);
  }
  const envEndpoint = env.DYNAMODB_ENDPOINT;
  if (envEndpoint || envRegion) {
    const region = envRegion ?? LOCAL_REGION;
    return wrap(clientFor(envEndpoint, region, options), 'environment', envEndpoint, region, true);
  }
  const local = await startLocalDynamo(options.embedded);
  try {
    return wrap(clientFor(local.endpoint, LOCAL_REGION, options), 'embedded', local.endpoint, LOCAL_REGION, true, local);
  } catch (error) {
    await local.stop();
    throw error;
  }
}

/** Connects to a DynamoDB Local already running on localhost (like dddart's DynamoConnection.local()). */
export function connectLocal(port = 8000, options: Omit<ConnectOptions, 'endpoint' | 'client'> = {}): Promise<Connection> {
  return connect({ ...options, endpoint: `http://127.0.0.1:${port}`, region: options.region ?? LOCAL_REGION });
}
