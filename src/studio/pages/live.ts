import type { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { TableChange } from '../../entity/index.ts';
import type { EntityMap } from '../../table/index.ts';
import type { Item } from '../catalog.ts';
import { keysOf } from '../components.ts';
import { html, toJson } from '../html.ts';
import { page } from '../layout.ts';
import type { Studio } from '../studio.ts';
import { formatField, itemPath } from '../values.ts';

/** Closers of the open live views, so that shutdown ends them. */
export type LiveStreams = Set<() => void>;

/** What the live view shows of one write: which item, its keys, what changed. */
export interface LiveEvent {
  at: string;
  entity: string;
  type: 'insert' | 'modify' | 'remove';
  id: string;
  href: string | undefined;
  keys: { name: string; value: string }[];
  changed: string[];
}

function describe(studio: Studio, change: TableChange<EntityMap>): LiveEvent | undefined {
  const entity = studio.catalog.entities.find((candidate) => candidate.name === change.entity);
  const newItem: Item | undefined = change.newItem;
  const oldItem: Item | undefined = change.oldItem;
  const item = newItem ?? oldItem;
  if (!entity || !item) return undefined;
  const fields = Object.keys(entity.definition.fields);
  const changed =
    change.type === 'insert'
      ? ['(new item)']
      : change.type === 'remove'
        ? ['(removed)']
        : fields.filter((field) => toJson(newItem?.[field]) !== toJson(oldItem?.[field]));
  return {
    at: new Date().toISOString(),
    entity: entity.name,
    type: change.type,
    id: entity.definition.idFields.map((field) => formatField(entity.definition.fields[field], item[field])).join(' · '),
    href: change.type === 'remove' ? undefined : itemPath(entity, item),
    keys: keysOf(entity, item),
    changed,
  };
}

export function registerLivePages(app: Hono, studio: Studio, live: LiveStreams): void {
  app.get('/live', (c) => {
    const source = studio.recorder.backend === 'memory' ? "the in-memory twin's change feed" : "the table's DynamoDB Stream (polled every 250 ms when idle)";
    const body = html`<h1>Live writes</h1>
      <p class="lead">Every write to the table as it happens, from ${source}: writes of this studio, of your app, of anyone. <span id="live-status" class="status" role="status" data-state="connecting">connecting…</span></p>
      <div class="scroll"><table id="live-log"><thead><tr><th scope="col">time</th><th scope="col">type</th><th scope="col">entity</th><th scope="col">item</th><th scope="col">keys</th><th scope="col">changed</th></tr></thead><tbody></tbody></table></div>`;
    return c.html(page(studio, { title: 'Live', path: '/live', body }));
  });

  app.get('/live/events', (c) =>
    streamSSE(c, async (stream) => {
      let resolveClosed: () => void = () => undefined;
      const closed = new Promise<void>((resolve) => {
        resolveClosed = resolve;
      });
      const heartbeat = setInterval(() => void stream.write(': keep-alive\n\n'), 15_000);
      const unsubscribe = studio.table.changes().subscribe({
        start: () => void stream.writeSSE({ event: 'ready', data: '{}' }),
        next: (change) => {
          const event = describe(studio, change);
          if (event) void stream.writeSSE({ event: 'change', data: JSON.stringify(event) });
        },
        error: (error) => void stream.writeSSE({ event: 'failure', data: JSON.stringify({ message: error instanceof Error ? error.message : String(error) }) }),
        complete: () => close(),
      });
      const close = () => {
        live.delete(close);
        clearInterval(heartbeat);
        unsubscribe();
        resolveClosed();
      };
      live.add(close);
      stream.onAbort(() => close());
      await closed;
    }),
  );
}
