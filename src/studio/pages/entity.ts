import type { Hono } from 'hono';
import { fieldType } from '../../docs/index.ts';
import type { EntityInfo } from '../catalog.ts';
import { errorBox, flash, itemsTable, requestsPanel } from '../components.ts';
import { html, query } from '../html.ts';
import { page } from '../layout.ts';
import type { Studio } from '../studio.ts';
import { entityPath, managedFields, patternPath } from '../values.ts';

const PAGE_SIZE = 25;

/** What the schema and the keys say about a field, in a few words. */
function notes(entity: EntityInfo, field: string): string[] {
  const { definition } = entity;
  const inKeys = entity.patterns.filter((pattern) => pattern.pkFields.includes(field) || pattern.skFields.includes(field)).map((pattern) => pattern.name);
  return [
    definition.idFields.includes(field) ? 'id' : '',
    inKeys.length > 0 ? `key of ${inKeys.join(', ')}` : '',
    definition.uniqueFields.some((unique) => unique.field === field) ? 'unique' : '',
    definition.hiddenFields.includes(field) ? 'hidden from reads' : '',
    definition.readOnlyFields.includes(field) && !definition.idFields.includes(field) ? 'read-only' : '',
    managedFields(definition).includes(field) ? 'managed' : '',
    definition.ttl === field ? 'TTL (epoch seconds)' : '',
  ].filter(Boolean);
}

export function registerEntityPages(app: Hono, studio: Studio): void {
  app.get('/entities/:entity', async (c) => {
    const entity = studio.catalog.entity(c.req.param('entity'));
    const cursor = c.req.query('cursor');
    const recorded = await studio.recorder.record(() =>
      entity.api.page(undefined, { limit: PAGE_SIZE, include: entity.definition.hiddenFields, ...(cursor ? { cursor } : {}) }),
    );
    const primary = entity.patterns.find((pattern) => pattern.name === 'primary');
    const keyFields = primary ? [primary.keys.pk.field, ...(primary.keys.sk ? [primary.keys.sk.field] : [])] : [];
    const path = entityPath(entity.name);
    const body = html`
      ${flash(c.req.query('done'))}
      <h1>${entity.name} <span class="muted">v${entity.definition.version}</span></h1>
      <p class="lead">${entity.definition.description ?? ''}</p>
      <p class="row"><a href="${path}/new">New ${entity.name}</a></p>
      <h2>Attributes</h2>
      <table><thead><tr><th scope="col">attribute</th><th scope="col">type</th><th scope="col">notes</th></tr></thead>
        <tbody>${Object.entries(entity.definition.fields).map(
          ([field, shape]) => html`<tr><td>${field}</td><td class="mono">${fieldType(shape)}</td><td>${notes(entity, field).join(' · ')}</td></tr>`,
        )}</tbody></table>
      <h2>Access patterns</h2>
      <table><thead><tr><th scope="col">pattern</th><th scope="col">index</th><th scope="col">partition key</th><th scope="col">sort key</th><th scope="col">collection</th><th scope="col">purpose</th></tr></thead>
        <tbody>${entity.patterns.map(
          (
            pattern,
          ) => html`<tr><td><a href="${patternPath(entity.name, pattern.name)}">${pattern.name}</a></td><td><a href="/facets/${pattern.index}?entity=${entity.name}">${pattern.index}</a></td>
            <td class="key">${pattern.keys.pk.field} = ${pattern.keys.pk.prefix}${pattern.keys.pk.composites.map((composite) => `#${composite.label}_{${composite.name}}`).join('')}</td>
            <td class="key">${pattern.keys.sk ? `${pattern.keys.sk.field} = ${pattern.keys.sk.prefix}${pattern.keys.sk.composites.map((composite) => `#${composite.label}_{${composite.name}}`).join('')}` : '—'}</td>
            <td>${[pattern.template.collection ?? []].flat().join(', ')}</td><td>${pattern.template.description ?? ''}</td></tr>`,
        )}</tbody></table>
      <h2>Items</h2>
      <p class="muted">Every ${entity.name} is read with a Scan filtered by entity (tablekit's <code>page()</code> without a pattern): fine for a look, costly on a big table. Query through an access pattern instead.</p>
      ${
        recorded.ok
          ? html`${itemsTable(entity, recorded.value.items, keyFields, `${recorded.value.items.length} item(s) on this page`)}
            <nav class="pager" aria-label="Pages">${cursor ? html`<a href="${path}">First page</a>` : ''}${recorded.value.cursor ? html`<a href="${path}${query({ cursor: recorded.value.cursor })}" rel="next">Next page</a>` : ''}</nav>`
          : errorBox(recorded.error)
      }
      ${requestsPanel(recorded.requests, studio.recorder.backend)}`;
    return c.html(page(studio, { title: entity.name, path, body }), recorded.ok ? 200 : 400);
  });
}
