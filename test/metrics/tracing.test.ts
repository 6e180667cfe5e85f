/**
 * OpenTelemetry: with a tracer provider registered, each entity-API operation is one CLIENT span
 * (`<entity>.<operation>`) carrying the table, entity, index and the operation's figures; a
 * failed operation's span has an error status. Without a provider the API is a no-op and
 * tablekit makes no span at all.
 */
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import test from 'ava';
import { tracingActive } from '../../src/metrics/index.ts';
import { inMemory } from '../../src/testing.ts';
import { NotesTable } from '../migrate/fixtures.ts';

const note = (n: number) => ({ noteId: `n${n}`, author: 'ada', body: `note ${n}`, words: 2 });

test.serial('no tracer provider: no spans, and nothing measured', async (t) => {
  t.false(tracingActive());
  const exporter = new InMemorySpanExporter();
  const table = NotesTable.bind(inMemory(), { tableName: 'traced' });
  await table.entities.note.create(note(1));
  t.deepEqual(exporter.getFinishedSpans(), []);
});

test.serial('a registered provider gets one span per operation with its figures; errors are marked', async (t) => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  t.true(trace.setGlobalTracerProvider(provider));
  t.teardown(async () => {
    trace.disable();
    await provider.shutdown();
  });
  t.true(tracingActive());
  const table = NotesTable.bind(inMemory(), { tableName: 'traced' });
  const notes = table.entities.note;
  await notes.createAll([note(1), note(2)]);
  await notes.get('n1');
  await notes.find.byAuthor({ author: 'ada' });
  await notes.get('n9').catch(() => undefined);
  await table.transactWrite((tx) => [tx.note.delete('n2')]);

  const spans = exporter.getFinishedSpans();
  t.deepEqual(
    spans.map((span) => span.name),
    ['note.createAll', 'note.get', 'note.find', 'note.get', 'note.transactWrite'],
  );
  const [createAll, get, find, missing] = spans;
  t.is(get?.kind, SpanKind.CLIENT);
  t.like(get?.attributes, {
    'db.system.name': 'aws.dynamodb',
    'db.operation.name': 'get',
    'db.collection.name': 'traced',
    'tablekit.entity': 'note',
    'tablekit.requests': 1,
    'tablekit.items': 1,
    'tablekit.consumed_capacity.total': 0,
  });
  t.like(createAll?.attributes, { 'tablekit.items': 2 });
  t.like(find?.attributes, { 'tablekit.pattern': 'byAuthor', 'aws.dynamodb.index_name': 'gsi1', 'tablekit.items': 2 });
  t.is(missing?.status.code, SpanStatusCode.ERROR);
  t.like(missing?.attributes, { 'error.type': 'notFound' });
  t.is(missing?.events[0]?.name, 'exception');

  trace.disable();
  t.false(tracingActive());
  await notes.get('n1');
  t.is(exporter.getFinishedSpans().length, 5, 'no span once the provider is gone');
});
