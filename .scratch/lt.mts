import { connect } from '../src/index.ts';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
const c = await connect();
let n = 0; let start: string | undefined; const names: string[] = [];
do { const r = await c.client.send(new ListTablesCommand({ ExclusiveStartTableName: start })); names.push(...(r.TableNames ?? [])); start = r.LastEvaluatedTableName; } while (start);
console.log(names.length, names.slice(0, 20));
await c.close();
