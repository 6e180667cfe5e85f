/**
 * The shared deadline watch of operations with the same timeoutMs: each one expires at its own
 * deadline (never before it), a settled one never expires, and the queue keeps working after it
 * went idle.
 */
import test from 'ava';
import { watchDeadline } from '../../src/entity/deadline-queue.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Waits until `done()` (a busy machine delays timers), at most 5 s. */
async function until(done: () => boolean): Promise<void> {
  for (const started = Date.now(); !done() && Date.now() - started < 5_000; ) await sleep(10);
}

test('operations sharing a timeoutMs expire at their own deadlines, in order; settled ones never', async (t) => {
  const timeoutMs = 150;
  const expired: { name: string; late: number }[] = [];
  const watch = (name: string) => {
    const started = performance.now();
    return watchDeadline(timeoutMs, () => expired.push({ name, late: performance.now() - (started + timeoutMs) }));
  };
  const first = watch('first');
  await sleep(40);
  const second = watch('second');
  await sleep(40);
  watch('third');
  second.queue.settle(second.entry);
  await until(() => expired.length >= 2);
  await sleep(timeoutMs); // the settled one would have expired by now
  t.deepEqual(
    expired.map((entry) => entry.name),
    ['first', 'third'],
  );
  for (const { name, late } of expired) {
    t.true(late >= -1, `${name} expired ${-late} ms before its deadline`);
    t.true(late < 2_000, `${name} expired ${late} ms after its deadline`);
  }
  first.queue.settle(first.entry); // settling an expired entry changes nothing
  t.is(expired.length, 2);
});

test('after the queue went idle, a new operation is watched again', async (t) => {
  let expired = 0;
  const first = watchDeadline(60, () => expired++);
  first.queue.settle(first.entry);
  await sleep(120);
  watchDeadline(60, () => expired++);
  await until(() => expired > 0);
  t.is(expired, 1);
});
