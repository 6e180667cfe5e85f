/** How to read the numbers; kept with the generator so every run writes it. */
export const analysis = `## What limits the rest

- Request building (A): tablekit compiles its key builders from ElectroDB's model once per table
  definition and renders expressions itself, so its whole entity API over a stub DocumentClient
  (zod validation of the item, the 400 KB size check, keys, expressions, decoding) costs less
  per operation than ElectroDB's \`.params()\` alone.
- Client path (D): the AWS SDK's own path (middleware, signing, JSON, parsing) is most of every
  operation; what tablekit adds on top of it is roughly its column in A. save and patch are one
  UpdateItem each, like the hand-written requests they are compared with (and return the item,
  ALL_NEW, as those do).
- End to end (B): DynamoDB Local, which shares the 2 cores with the client, is the bottleneck; the
  ratios move ±10–15 % between runs, more when other processes load the machine.
- Requests (R): a unique field is a claim item kept in the same transaction as its owner, so
  create is one TransactWriteItems and writes that may move a claim read the item first.
  update(fn) always reads first (read-modify-write, guarded by the version).
- Bulk (C): requests are built inside the worker pool, so building overlaps the 8 requests in
  flight; DynamoDB Local is the bottleneck.
- Change log (E): every append is a read of the sequence and the touched entities' heads (strongly
  consistent) plus one transaction; DynamoDB Local spends ~1–1.5 ms per transaction item, and each
  entity touched by a batch adds two items (its head and the outdatedBy update), so the batch/single
  ratio depends on how many entities a batch touches and on the single-append latency of the run.
  Concurrent single appends on ONE project serialise on the sequence item by design (gapless
  sequence); lost attempts are retried with jittered backoff.
- Streams (F): one reader polls every 10 ms while records flow and backs off to 250 ms when idle;
  the latency is the poll interval plus GetRecords.
`;
