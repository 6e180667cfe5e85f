import type { Hono } from 'hono';
import { fieldType } from '../../docs/index.ts';
import { isRepositoryError } from '../../errors/index.ts';
import type { EntityInfo, Item, PageOptions, PatternInfo } from '../catalog.ts';
import { errorBox, fieldErrors, fieldInput, itemsTable, requestsPanel } from '../components.ts';
import { attrs, html, toJson, type Html } from '../html.ts';
import { page } from '../layout.ts';
import type { Studio } from '../studio.ts';
import { issuesByField, parseScalar, patternPath } from '../values.ts';

const operators = [
  ['eq', '='],
  ['gt', '>'],
  ['gte', '≥'],
  ['lt', '<'],
  ['lte', '≤'],
  ['between', 'between'],
  ['beginsWith', 'begins with'],
] as const;

type Param = (name: string) => string | undefined;

/**
 * The query key a form describes: every pk composite by value, then sk composites in order,
 * the last one given with its operator. The entity API validates it (order, gaps, forged keys).
 */
export function keyFromForm(entity: EntityInfo, pattern: PatternInfo, param: Param): Item {
  const key: Item = {};
  const shapeOf = (field: string) => entity.definition.fields[field];
  for (const field of pattern.pkFields) {
    const text = param(field);
    if (text !== undefined && text !== '') key[field] = parseScalar(shapeOf(field), text);
  }
  for (const field of pattern.skFields) {
    const text = param(field);
    if (text === undefined || text === '') continue;
    const operator = param(`${field}.op`) ?? 'eq';
    const value = parseScalar(shapeOf(field), text);
    if (operator === 'eq') key[field] = value;
    else if (operator === 'between') key[field] = { between: [value, parseScalar(shapeOf(field), param(`${field}.to`) ?? '')] };
    else key[field] = { [operator]: operator === 'beginsWith' ? text : value };
  }
  return key;
}

function optionsFromForm(pattern: PatternInfo, param: Param, include: readonly string[]): PageOptions {
  const limit = Number(param('limit') ?? '25');
  const cursor = param('cursor');
  return {
    limit: Number.isInteger(limit) && limit > 0 ? Math.min(limit, 1000) : 25,
    order: param('order') === 'desc' ? 'desc' : 'asc',
    ...(param('consistent') === 'on' && pattern.index === 'primary' ? { consistent: true } : {}),
    ...(cursor ? { cursor } : {}),
    include,
  };
}

function queryForm(entity: EntityInfo, pattern: PatternInfo, param: Param, errors: Map<string, string[]>): Html {
  const shapeOf = (field: string) => entity.definition.fields[field];
  const typeOf = (field: string) => {
    const shape = shapeOf(field);
    return shape ? `${fieldType(shape)} · ` : '';
  };
  const label = (field: string, role: string) => html`<label for="k-${field}">${field}<span class="type">${typeOf(field)}${role}</span></label>`;
  const input = (field: string, required: boolean) =>
    html`${fieldInput({ name: field, id: `k-${field}`, shape: shapeOf(field), text: param(field), required, errorId: `k-${field}-error`, invalid: errors.has(field) })}${fieldErrors(`k-${field}-error`, errors.get(field))}`;
  return html`<form method="get" class="grid" novalidate aria-label="Query ${pattern.name}">
    <input type="hidden" name="run" value="1">
    ${pattern.pkFields.map((field) => html`${label(field, 'partition key')}<div data-field="${field}">${input(field, true)}</div>`)}
    ${pattern.skFields.map((field, index) => {
      const operator = param(`${field}.op`) ?? 'eq';
      return html`${label(field, `sort key ${index + 1} of ${pattern.skFields.length} (optional)`)}
        <div data-field="${field}"><div class="sk-row">
          <select name="${field}.op" aria-label="condition on ${field}"${attrs({ 'data-to': `k-${field}-to` })}>${operators.map(
            ([value, text]) => html`<option${attrs({ value, selected: value === operator })}>${text}</option>`,
          )}</select>
          ${input(field, false)}
          <input type="text"${attrs({ id: `k-${field}-to`, name: `${field}.to`, value: param(`${field}.to`), placeholder: 'and …', 'aria-label': `${field}: upper bound`, hidden: operator !== 'between' })}>
        </div>${index === 0 ? html`<p class="muted">Composites go in order; the last one given may have a condition.</p>` : ''}</div>`;
    })}
    <label for="q-limit">options</label>
    <div class="row">
      <span>limit <input id="q-limit" name="limit" type="text" inputmode="numeric" size="5"${attrs({ value: param('limit') ?? '25' })}></span>
      <span>order <select name="order" aria-label="order">${['asc', 'desc'].map((order) => html`<option${attrs({ value: order, selected: (param('order') ?? 'asc') === order })}>${order}</option>`)}</select></span>
      <label class="row" style="font-weight:400;padding:0"><input type="checkbox" name="consistent"${attrs({ checked: param('consistent') === 'on', disabled: pattern.index !== 'primary' })}> strongly consistent${pattern.index !== 'primary' ? ' (not on a GSI)' : ''}</label>
    </div>
    <div class="actions"><button type="submit">Run query</button><span class="muted">or <kbd>Ctrl</kbd>+<kbd>Enter</kbd></span></div>
  </form>`;
}

export function registerPatternPages(app: Hono, studio: Studio): void {
  app.get('/entities/:entity/patterns/:pattern', async (c) => {
    const { entity, pattern } = studio.catalog.pattern(c.req.param('entity'), c.req.param('pattern'));
    const param: Param = (name) => c.req.query(name);
    const path = patternPath(entity.name, pattern.name);
    const run = param('run') !== undefined;
    const key = keyFromForm(entity, pattern, param);
    const options = optionsFromForm(pattern, param, entity.definition.hiddenFields);
    const recorded = run ? await studio.recorder.record(() => entity.api.page({ pattern: pattern.name, key }, options)) : undefined;
    const errors = recorded && !recorded.ok && isRepositoryError(recorded.error) ? issuesByField(recorded.error.issues) : new Map<string, string[]>();
    const keyFields = [pattern.keys.pk.field, ...(pattern.keys.sk ? [pattern.keys.sk.field] : [])];
    const pageNumber = Number(param('page') ?? '1') || 1;
    /** This query again, at the first page or at the page after `cursor`. */
    const pageLink = (cursor?: string) => {
      const params = new URL(c.req.url).searchParams;
      params.delete('cursor');
      params.delete('page');
      if (cursor) params.set('cursor', cursor);
      if (cursor) params.set('page', String(pageNumber + 1));
      return `${path}?${params}`;
    };
    const { include: _include, ...shownOptions } = options;
    const body = html`
      <h1>${entity.name}.${pattern.name}</h1>
      <p class="lead">${pattern.template.description ? `${pattern.template.description.replace(/\.?$/, '.')} ` : ''}A Query on <strong>${pattern.index === 'primary' ? 'the table' : pattern.index}</strong>:
        <span class="key">${pattern.keys.pk.field}</span> from ${pattern.pkFields.join(', ')}${pattern.keys.sk ? html`, <span class="key">${pattern.keys.sk.field}</span> from ${pattern.skFields.length ? pattern.skFields.join(', ') : `the entity name and version`}` : ''}.
        <a href="/facets/${pattern.index}?entity=${entity.name}">See its facet</a>.</p>
      ${queryForm(entity, pattern, param, errors)}
      ${
        recorded
          ? html`<h2>Result</h2>
            <p class="mono">table.entities.${entity.name}.find.${pattern.name}(${toJson(key, 0)}, ${toJson(shownOptions, 0)})</p>
            ${
              recorded.ok
                ? html`${itemsTable(entity, recorded.value.items, keyFields, `page ${pageNumber}: ${recorded.value.items.length} item(s)`)}
                  <nav class="pager" aria-label="Pages">${pageNumber > 1 ? html`<a href="${pageLink()}">First page</a>` : ''}${recorded.value.cursor ? html`<a rel="next" href="${pageLink(recorded.value.cursor)}">Next page</a>` : html`<span class="muted">No more pages.</span>`}</nav>`
                : errorBox(recorded.error)
            }
            ${requestsPanel(recorded.requests, studio.recorder.backend)}`
          : html`<p class="muted">Fill in the key and run the query: the items, their keys, the exact request and its consumed capacity appear here.</p>`
      }`;
    return c.html(page(studio, { title: `${entity.name}.${pattern.name}`, path, body }), recorded && !recorded.ok ? 400 : 200);
  });
}
