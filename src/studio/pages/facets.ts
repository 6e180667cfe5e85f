import type { Hono } from 'hono';
import { compareStrings } from '../../expression/index.ts';
import { NotFound, type EntityInfo, type Item, type PatternInfo } from '../catalog.ts';
import { errorBox, keysOf, requestsPanel } from '../components.ts';
import { attrs, brief, html } from '../html.ts';
import { page } from '../layout.ts';
import type { Studio } from '../studio.ts';
import { itemPath, managedFields, patternPath } from '../values.ts';

/** Items read per entity for a facet: enough to see the layout, not a table dump. */
const FACET_ITEMS = 100;

interface Row {
  pk: string;
  sk: string | undefined;
  entity: EntityInfo;
  pattern: PatternInfo;
  item: Item;
}

async function itemsOf(entity: EntityInfo): Promise<Item[]> {
  const items: Item[] = [];
  let cursor: string | undefined;
  // A Scan's Limit counts items of every entity: a few pages may be needed to find this entity's.
  for (let pages = 0; pages < 10 && items.length < FACET_ITEMS; pages++) {
    const result = await entity.api.page(undefined, { limit: FACET_ITEMS, include: entity.definition.hiddenFields, ...(cursor ? { cursor } : {}) });
    items.push(...result.items);
    cursor = result.cursor;
    if (cursor === undefined) break;
  }
  return items.slice(0, FACET_ITEMS);
}

const alias = (part: { composites: readonly { name: string }[] } | undefined, fallback: string) =>
  part && part.composites.length > 0 ? part.composites.map((composite) => composite.name).join(' # ') : fallback;

export function registerFacetPages(app: Hono, studio: Studio): void {
  app.get('/facets', (c) => c.redirect('/facets/primary', 302));

  app.get('/facets/:index', async (c) => {
    const index = studio.catalog.index(c.req.param('index'));
    const only = c.req.query('entity');
    if (only !== undefined && !index.patterns.some((pattern) => pattern.entity === studio.catalog.entity(only).name))
      throw new NotFound(`entity '${only}' has no access pattern on index '${index.name}'`);
    const patterns = index.patterns.filter((pattern) => only === undefined || pattern.entity === only);
    const recorded = await studio.recorder.record(async () => {
      const rows: Row[] = [];
      let sparse = 0;
      for (const pattern of patterns) {
        const entity = studio.catalog.entity(pattern.entity);
        for (const item of await itemsOf(entity)) {
          const keys = Object.fromEntries(keysOf(entity, item).map((key) => [key.name, key.value]));
          const pk = keys[index.pk];
          if (pk === undefined) sparse++;
          else rows.push({ pk, sk: index.sk ? keys[index.sk] : undefined, entity, pattern, item });
        }
      }
      // Laid out as the index orders them: partitions, then sort keys, byte-wise.
      rows.sort((a, b) => compareStrings(a.pk, b.pk) || compareStrings(a.sk ?? '', b.sk ?? ''));
      return { rows, sparse };
    });
    const title = `Facets: ${index.name === 'primary' ? 'table' : index.name}`;
    const path = `/facets/${index.name}`;
    if (!recorded.ok) return c.html(page(studio, { title, path, body: html`<h1>${title}</h1>${errorBox(recorded.error)}` }), 400);
    const { rows, sparse } = recorded.value;
    const groups = new Map<string, Row[]>();
    for (const row of rows) groups.set(row.pk, [...(groups.get(row.pk) ?? []), row]);
    const body = html`
      <h1>${title}</h1>
      <p class="lead">Items laid out as <strong>${index.name === 'primary' ? 'the table' : index.name}</strong> stores them: by partition key <span class="key">${index.pk}</span>, then sort key <span class="key">${index.sk ?? '—'}</span>, like NoSQL Workbench's facets.
        One Query reads one partition (a shaded cell), in sort-key order.</p>
      <nav class="row" aria-label="Access patterns on this index">
        <a${attrs({ href: path, 'aria-current': only === undefined ? 'page' : undefined })}>all entities</a>
        ${index.patterns.map((pattern) => html`<a${attrs({ href: `${path}?entity=${encodeURIComponent(pattern.entity)}`, 'aria-current': only === pattern.entity ? 'page' : undefined })}>${pattern.entity}.${pattern.name}</a>`)}
      </nav>
      ${patterns.map(
        (pattern) =>
          html`<p class="muted"><a href="${patternPath(pattern.entity, pattern.name)}">${pattern.entity}.${pattern.name}</a>: ${index.pk} = ${alias(pattern.keys.pk, 'entity')}, ${index.sk ?? 'no sort key'}${pattern.keys.sk ? html` = ${alias(pattern.keys.sk, `${pattern.entity} (entity and version)`)}` : ''}</p>`,
      )}
      ${sparse > 0 ? html`<p class="muted">${sparse} item(s) are not in this index: a composite is missing (a sparse index).</p>` : ''}
      ${
        rows.length === 0
          ? html`<p class="muted">No items in this index yet.</p>`
          : html`<div class="scroll"><table class="facet">
            <thead><tr><th scope="col">partition key · ${index.pk}</th><th scope="col">sort key · ${index.sk ?? '—'}</th><th scope="col">entity</th><th scope="col">attributes</th></tr></thead>
            <tbody>${[...groups].map(([pk, members]) =>
              members.map((row, position) => {
                const composites = new Set([...row.pattern.pkFields, ...row.pattern.skFields]);
                // The key's composites first; managed fields (timestamps, version) are left to the item page.
                const managed = managedFields(row.entity.definition);
                const attributes = Object.entries(row.item)
                  .filter(([name]) => !managed.includes(name))
                  .sort(([a], [b]) => Number(composites.has(b)) - Number(composites.has(a)));
                return html`<tr data-pk="${pk}">${position === 0 ? html`<td class="pk"${attrs({ rowspan: members.length })}>${pk}</td>` : ''}
                  <td class="key"><a href="${itemPath(row.entity, row.item)}">${row.sk ?? '—'}</a></td><td>${row.entity.name}</td>
                  <td>${attributes.map(([name, value]) => html`<span class="chip${composites.has(name) ? ' composite' : ''}"><b>${name}</b> ${brief(value, 40)}</span>`)}</td></tr>`;
              }),
            )}</tbody></table></div>`
      }
      ${requestsPanel(recorded.requests.slice(0, 3), studio.recorder.backend)}`;
    return c.html(page(studio, { title, path, body }));
  });
}
