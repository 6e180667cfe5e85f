import { handle } from 'hono/aws-lambda';
import { openStore } from '../entities/index.ts';
import { createHttpApp } from './app.ts';

type LambdaHandler = ReturnType<typeof handle>;

let ready: Promise<LambdaHandler> | undefined;

/**
 * AWS Lambda entry point (API Gateway REST/HTTP API, function URLs, ALB): the same app as
 * `tablekit serve`. The store is opened once per container, on AWS by AWS_REGION and the
 * function's role; TABLEKIT_TABLE names the table.
 */
export const handler: LambdaHandler = async (event, context) => {
  ready ??= openStore({ tableName: process.env.TABLEKIT_TABLE, ensureTable: process.env.TABLEKIT_ENSURE_TABLE === 'true' }).then((store) =>
    handle(createHttpApp(store).app),
  );
  return (await ready)(event, context);
};
