import type { Hono } from 'hono';
import { designWarnings, fieldType } from '../../docs/index.ts';
import type { EntityInfo } from '../catalog.ts';
import { errorBox, flash, requestsPanel } from '../components.ts';
import { html } from '../html.ts';
import { page } from '../layout.ts';
import { seedSamples } from '../seed.ts';
import type { Studio } from '../studio.ts';
import { entityPath, indexLabel, patternPath } from '../values.ts';

/** Counting reads every item of the entity (a Scan): it stops here and says "more than". */
const COUNT_LIMIT = 1000;

async function countItems(entity: EntityInfo): Promise<{ count: number; more: boolean }> {
  let count = 0;
  let cursor: string | undefined;
  do {
    const result = await entity.api.page(undefined, { limit: 500, attributes: entity.definition.idFields, ...(cursor ? { cursor } : {}) });
    count += result.items.length;
    cursor = result.cursor;
  } while (cursor !== undefined && count < COUNT_LIMIT);
  return { count, more: cursor !== undefined };
}

const composites = (fields: readonly string[]) => (fields.length > 0 ? fields.join(', ') : '—');

export function registerOverviewPages(app: Hono, studio: Studio): void {
  const { catalog, table } = studio;

  app.get('/', async (c) => {
    const [summary, counts] = await Promise.all([table.describe().catch(() => undefined), Promise.all(catalog.entities.map((entity) => countItems(entity)))]);
    const warnings = designWarnings(table.definition);
    const total = counts.reduce((sum, entry) => sum + entry.count, 0);
    const body = html`
      ${flash(c.req.query('done'))}
      ${requestsPanel(studio.traces.get(c.req.query('trace')), studio.recorder.backend)}
      <h1>Table <code>${table.tableName}</code></h1>
      <p class="lead">${catalog.entities.length} entities, ${table.definition.patterns.length} access patterns, ${catalog.indexes.length} indexes.
        Billing PAY_PER_REQUEST · TTL ${table.definition.ttlAttribute ?? 'off'} · stream ${table.definition.streams ?? 'off'}${summary ? html` · status ${summary.status}` : ''}.</p>
      ${
        total === 0
          ? html`<form method="post" action="/seed" class="row"><input type="hidden" name="_csrf" value="${studio.token}">
              <span class="muted">The table is empty.</span><button type="submit">Write sample items</button>
              <span class="muted">(each entity's example, or samples generated from its schema)</span></form>`
          : ''
      }
      <h2>Entities</h2>
      <div class="scroll"><table>
        <thead><tr><th scope="col">entity</th><th scope="col">attributes</th><th scope="col">access patterns (index: pk / sk)</th><th scope="col">items</th></tr></thead>
        <tbody>${catalog.entities.map((entity, index) => {
          const count = counts[index];
          return html`<tr>
            <td><a href="${entityPath(entity.name)}"><strong>${entity.name}</strong></a> <span class="muted">v${entity.definition.version}</span><br><span class="muted">${entity.definition.description ?? ''}</span></td>
            <td>${Object.entries(entity.definition.fields).map(([field, shape]) => html`<span class="chip"><b>${field}</b> ${fieldType(shape)}</span>`)}</td>
            <td>${entity.patterns.map(
              (pattern) =>
                html`<div><a href="${patternPath(entity.name, pattern.name)}">${pattern.name}</a> <span class="muted">${indexLabel(pattern.index)}:</span> <span class="mono">${composites(pattern.pkFields)} / ${composites(pattern.skFields)}</span></div>`,
            )}</td>
            <td class="count" data-entity="${entity.name}">${count ? `${count.count}${count.more ? '+' : ''}` : '?'}</td>
          </tr>`;
        })}</tbody>
      </table></div>
      <h2>Indexes</h2>
      <div class="scroll"><table>
        <thead><tr><th scope="col">index</th><th scope="col">partition key</th><th scope="col">sort key</th><th scope="col">used by</th></tr></thead>
        <tbody>${catalog.indexes.map(
          (
            index,
          ) => html`<tr><td><a href="/facets/${index.name}">${indexLabel(index.name)}</a></td><td class="key">${index.pk}</td><td class="key">${index.sk ?? '—'}</td>
            <td>${index.patterns.map((pattern) => html`<a class="chip" href="${patternPath(pattern.entity, pattern.name)}">${pattern.entity}.${pattern.name}</a>`)}</td></tr>`,
        )}</tbody>
      </table></div>
      ${
        catalog.collections.size > 0
          ? html`<h2>Collections</h2><p class="muted">Entities of one collection share a partition: one Query reads them together.</p>
            <table><thead><tr><th scope="col">collection</th><th scope="col">index</th><th scope="col">members</th></tr></thead>
            <tbody>${[...catalog.collections].map(
              ([name, patterns]) =>
                html`<tr><td>${name}</td><td>${indexLabel(patterns[0]?.index ?? '')}</td><td>${patterns.map((pattern) => html`<a class="chip" href="${patternPath(pattern.entity, pattern.name)}">${pattern.entity}</a>`)}</td></tr>`,
            )}</tbody></table>`
          : ''
      }
      ${
        warnings.length > 0
          ? html`<h2>Design warnings</h2><ul>${warnings.map((warning) => html`<li><strong>${warning.subject}</strong>: ${warning.message}. <span class="muted">${warning.why}.</span></li>`)}</ul>`
          : ''
      }
      <p class="muted">Keys: <kbd>/</kbd> filters the sidebar, <kbd>Ctrl</kbd>+<kbd>Enter</kbd> submits a form.</p>`;
    return c.html(page(studio, { title: table.tableName, path: '/', body }));
  });

  app.post('/seed', async (c) => {
    const recorded = await studio.recorder.record(() => seedSamples(studio));
    if (!recorded.ok) return c.html(page(studio, { title: 'Samples', path: '/', body: html`<h1>Sample items</h1>${errorBox(recorded.error)}` }), 500);
    return c.redirect(`/?done=seeded&trace=${studio.traces.keep(recorded.requests)}`, 303);
  });
}
