/** How to read the numbers; kept with the generator so every run writes it. */
export const analysis = `## What limits the rest

- Request building (A): tablekit compiles its key builders from ElectroDB's model once per table
  definition and renders expressions itself, so its whole entity API over a stub client (zod
  validation of the item, the 400 KB size check, keys, expressions, conversion to the wire
  format, decoding) costs about what the peers spend on building the request alone.
- Client path (D) and end to end (B): the AWS SDK's own path (middleware, signing, JSON, parsing)
  is most of every operation. The DocumentClient adds its own middleware and merges and sorts the
  whole middleware stack again for every request. tablekit sends through the low-level client,
  converts values with the DocumentClient's own converter, and on the clients it creates
  resolves the stack once per command type (again after any change to it), as the SDK's
  \`cacheMiddleware\` option does (which the DocumentClient refuses). That is why it can be faster
  than the raw DocumentClient: the reference row (the raw requests through a low-level client
  with \`cacheMiddleware\`, values converted by hand) is what the SDK costs at the least, and
  tablekit's gap to it is what tablekit itself adds. Every contender but the reference shares
  tablekit's client, whose logger skips the SDK's per-request log copies (see the README): the
  raw DocumentClient gains from that as much as tablekit does. OneTable also marshals itself
  and sends through the low-level client; the others go through the DocumentClient.
- End to end (B) and mixed (M): DynamoDB Local, which shares the 2 cores with the client, is most
  of each operation; the ratios move by a few hundredths between runs, more when other processes
  load the machine.
  Every contender sends one request per operation (see the requests tables).
- Requests (R): a unique field is a claim item kept in the same transaction as its owner, so
  create is one TransactWriteItems and writes that may move a claim read the item first.
  update(fn) always reads first (read-modify-write, guarded by the version).
- Bulk (C): each library's own batch write; DynamoDB Local is the bottleneck, so what differs is
  how well a library keeps 8 requests in flight.
- Change log (E): appends to one project from one process wait in a queue with one transaction
  in flight; each transaction takes every queued append that fits (group commit), so 8 writers
  share transactions instead of racing for the sequence. Each transaction is one consistent
  BatchGetItem (the sequence, which carries the recent heads, plus head items it lacks) and one
  TransactWriteItems; DynamoDB Local's cost grows with the items, so an append of one change
  (3 items) and a group of 25 (27 items) differ far less than 25×. Between processes only the
  sequence's \`value = v\` condition orders the appends: the loser re-reads and retries with
  jittered backoff, which is what the 2-process row pays.
- Streams (F): one reader polls every 10 ms while records flow and backs off to 250 ms when idle;
  the latency is the poll interval plus GetRecords.
- HTTP (G): the bundled table has streams on, and DynamoDB Local makes every write to a table with
  a stream slow (a transaction takes tens of milliseconds instead of a few), so compare the HTTP
  column with the library column of the same row, not with E.
`;
