import { randomUUID } from 'node:crypto';
import type { Context, Hono } from 'hono';
import { exampleItem, fieldType } from '../../docs/index.ts';
import { isRepositoryError, type ValidationIssue } from '../../errors/index.ts';
import { formOf } from '../form-body.ts';
import type { EntityInfo, Item } from '../catalog.ts';
import { errorBox, fieldErrors, fieldInput, flash, keysOf, requestsPanel } from '../components.ts';
import { attrs, html, toJson, type Html } from '../html.ts';
import { notFoundPage, page } from '../layout.ts';
import type { RecordedRequest } from '../recorder.ts';
import type { Studio } from '../studio.ts';
import {
  entityPath,
  formatField,
  idFromParams,
  issuesByField,
  itemPath,
  managedFields,
  parseItemForm,
  parseScalar,
  patternParams,
  patternPath,
} from '../values.ts';

type FormMode = { kind: 'create' } | { kind: 'edit'; item: Item };

interface FormState {
  /** The text of each field: the item's values, or what the user typed. */
  text: (field: string) => string;
  issues: readonly ValidationIssue[];
  error?: unknown;
}

function itemForm(studio: Studio, entity: EntityInfo, mode: FormMode, state: FormState): Html {
  const { definition } = entity;
  const errors = issuesByField(state.issues);
  const managed = managedFields(definition);
  const fieldErrorsOutside = [...errors].filter(([field]) => !(field in definition.fields));
  const action = mode.kind === 'create' ? `${entityPath(entity.name)}/new` : itemPath(entity, mode.item);
  return html`
    ${state.error !== undefined ? errorBox(state.error) : fieldErrorsOutside.length > 0 ? errorBox(new Error(fieldErrorsOutside.map(([, list]) => list.join('; ')).join('; '))) : ''}
    <form method="post" class="grid" novalidate${attrs({ action, 'aria-label': mode.kind === 'create' ? `New ${entity.name}` : `Edit ${entity.name}` })}>
      <input type="hidden" name="_csrf" value="${studio.token}">
      ${mode.kind === 'edit' && definition.versioned ? html`<input type="hidden" name="_version"${attrs({ value: String(mode.item.version ?? '') })}>` : ''}
      ${Object.entries(definition.fields).map(([field, shape]) => {
        if (managed.includes(field) && mode.kind === 'create') return '';
        const locked = managed.includes(field) || (mode.kind === 'edit' && definition.readOnlyFields.includes(field));
        const badges = [
          definition.idFields.includes(field) ? 'id' : '',
          definition.keyFields.includes(field) && !definition.idFields.includes(field) ? 'key' : '',
          shape.optional ? 'optional' : '',
          definition.uniqueFields.some((unique) => unique.field === field) ? 'unique' : '',
          definition.hiddenFields.includes(field) ? 'hidden' : '',
          locked && !managed.includes(field) ? 'read-only' : '',
          managed.includes(field) ? 'managed' : '',
        ].filter(Boolean);
        const id = `f-${field}`;
        return html`<label${attrs({ for: id })}>${field}<span class="type">${fieldType(shape)}</span>${badges.map((badge) => html`<span class="badge${badge === 'id' || badge === 'key' ? ' key' : ''}">${badge}</span>`)}</label>
          <div class="field" data-field="${field}">${fieldInput({
            name: managed.includes(field) ? `m.${field}` : `f.${field}`,
            id,
            shape,
            text: state.text(field),
            readOnly: locked,
            required: !shape.optional,
            errorId: `${id}-error`,
            invalid: errors.has(field),
          })}${fieldErrors(`${id}-error`, errors.get(field))}</div>`;
      })}
      <div class="actions"><button type="submit">${mode.kind === 'create' ? `Create ${entity.name}` : 'Save'}</button>
        <span class="muted">validated by the entity's zod schema; nothing invalid is written</span></div>
    </form>`;
}

/** The id attributes a URL names, typed by their fields. */
function idValuesOf(entity: EntityInfo, c: Context): Item {
  const values: Item = {};
  for (const field of entity.definition.idFields) {
    const text = c.req.query(field);
    if (text !== undefined) values[field] = parseScalar(entity.definition.fields[field], text);
  }
  return values;
}

const describeId = (entity: EntityInfo, values: Item) =>
  entity.definition.idFields.map((field) => formatField(entity.definition.fields[field], values[field])).join(' · ');

/** A fresh sample for the create form: a new uuid where an id attribute takes one, so creating twice does not collide. */
function newSample(entity: EntityInfo): Item {
  const sample = exampleItem(entity.definition);
  for (const field of entity.definition.idFields) {
    const fresh = randomUUID();
    const fieldSchema = entity.definition.itemSchema.shape[field];
    if (fieldSchema?.safeParse(fresh).success) sample[field] = fresh;
  }
  return sample;
}

const statusOf = (error: unknown) =>
  isRepositoryError(error) && ['alreadyExists', 'duplicate', 'conflict', 'conditionFailed'].includes(error.code) ? 409 : 400;

function itemView(
  studio: Studio,
  entity: EntityInfo,
  item: Item,
  requests: readonly RecordedRequest[],
  done: string | undefined,
  state: FormState,
  path: string,
): string {
  const keys = keysOf(entity, item);
  const title = `${entity.name} ${describeId(entity, item)}`;
  const body = html`
    ${flash(done)}
    <h1>${title}</h1>
    <p class="lead">Version ${String(item.version ?? '—')}${item.updatedAt ? html` · updated ${String(item.updatedAt)}` : ''}.</p>
    <h2>Keys</h2>
    <table class="keys"><thead><tr><th scope="col">pattern</th><th scope="col">index</th><th scope="col">partition key</th><th scope="col">sort key</th></tr></thead>
      <tbody>${entity.patterns.map((pattern) => {
        const pk = keys.find((key) => key.name === pattern.keys.pk.field);
        const sk = pattern.keys.sk ? keys.find((key) => key.name === pattern.keys.sk?.field) : undefined;
        return html`<tr><td><a href="${patternPath(entity.name, pattern.name)}?${patternParams(entity, pattern, item)}">${pattern.name}</a></td><td>${pattern.index}</td>
          <td class="key">${pk ? `${pk.name} = ${pk.value}` : 'not in this index (sparse)'}</td><td class="key">${sk ? `${sk.name} = ${sk.value}` : '—'}</td></tr>`;
      })}</tbody></table>
    <h2>Edit</h2>
    ${itemForm(studio, entity, { kind: 'edit', item }, state)}
    <h2>Delete</h2>
    <form method="post"${attrs({ action: itemPath(entity, item).replace('/item?', '/item/delete?'), 'data-confirm': `Delete ${title}?` })}>
      <input type="hidden" name="_csrf" value="${studio.token}"><button type="submit" class="danger">Delete ${entity.name}</button>
    </form>
    <details><summary>Item as JSON</summary><pre><code>${toJson(item)}</code></pre></details>
    ${requestsPanel(requests, studio.recorder.backend)}`;
  return page(studio, { title, path, body });
}

export function registerItemPages(app: Hono, studio: Studio): void {
  app.get('/entities/:entity/new', (c) => {
    const entity = studio.catalog.entity(c.req.param('entity'));
    const sample = newSample(entity);
    const body = html`<h1>New ${entity.name}</h1><p class="lead">Prefilled with a sample; change what you like.</p>
      ${itemForm(studio, entity, { kind: 'create' }, { text: (field) => formatField(entity.definition.fields[field], sample[field]), issues: [] })}`;
    return c.html(page(studio, { title: `New ${entity.name}`, path: `${entityPath(entity.name)}/new`, body }));
  });

  app.post('/entities/:entity/new', async (c) => {
    const entity = studio.catalog.entity(c.req.param('entity'));
    const form = await formOf(c);
    const { item, issues } = parseItemForm(entity.definition, form);
    const recorded = issues.length === 0 ? await studio.recorder.record(() => entity.api.create(item)) : undefined;
    if (recorded?.ok) return c.redirect(`${itemPath(entity, recorded.value)}&done=created&trace=${studio.traces.keep(recorded.requests)}`, 303);
    const error = recorded && !recorded.ok ? recorded.error : undefined;
    const state: FormState = { text: (field) => form[`f.${field}`] ?? '', issues: isRepositoryError(error, 'validation') ? error.issues : issues, error };
    const body = html`<h1>New ${entity.name}</h1>${itemForm(studio, entity, { kind: 'create' }, state)}${requestsPanel(recorded?.requests ?? [], studio.recorder.backend)}`;
    return c.html(page(studio, { title: `New ${entity.name}`, path: `${entityPath(entity.name)}/new`, body }), error ? statusOf(error) : 400);
  });

  app.get('/entities/:entity/item', async (c) => {
    const entity = studio.catalog.entity(c.req.param('entity'));
    const values = idValuesOf(entity, c);
    const recorded = await studio.recorder.record(() =>
      entity.api.get(
        idFromParams(entity.definition, (name) => c.req.query(name)),
        entity.definition.hiddenFields,
      ),
    );
    const path = entityPath(entity.name);
    if (!recorded.ok) {
      if (isRepositoryError(recorded.error, 'notFound'))
        return c.html(notFoundPage(studio, path, `There is no ${entity.name} ${describeId(entity, values)}.`), 404);
      return c.html(page(studio, { title: entity.name, path, body: html`<h1>${entity.name}</h1>${errorBox(recorded.error)}` }), 400);
    }
    const item = recorded.value;
    const trace = studio.traces.get(c.req.query('trace'));
    const state: FormState = { text: (field) => formatField(entity.definition.fields[field], item[field]), issues: [] };
    return c.html(itemView(studio, entity, item, trace.length > 0 ? trace : recorded.requests, c.req.query('done'), state, path));
  });

  app.post('/entities/:entity/item', async (c) => {
    const entity = studio.catalog.entity(c.req.param('entity'));
    const form = await formOf(c);
    const values = idValuesOf(entity, c);
    const parsed = parseItemForm(entity.definition, form);
    // The id comes from the URL: editing never moves an item to another key.
    const version = Number(form._version);
    const aggregate: Item = { ...parsed.item, ...values, ...(entity.definition.versioned && Number.isInteger(version) ? { version } : {}) };
    const recorded = parsed.issues.length === 0 ? await studio.recorder.record(() => entity.api.save(aggregate)) : undefined;
    if (recorded?.ok) return c.redirect(`${itemPath(entity, recorded.value)}&done=saved&trace=${studio.traces.keep(recorded.requests)}`, 303);
    const error = recorded && !recorded.ok ? recorded.error : undefined;
    const current = await entity.api
      .get(
        idFromParams(entity.definition, (name) => c.req.query(name)),
        entity.definition.hiddenFields,
      )
      .catch(() => undefined);
    if (!current) return c.html(notFoundPage(studio, entityPath(entity.name), `There is no ${entity.name} ${describeId(entity, values)}.`), 404);
    const state: FormState = {
      text: (field) => form[`f.${field}`] ?? formatField(entity.definition.fields[field], current[field]),
      issues: isRepositoryError(error, 'validation') ? error.issues : parsed.issues,
      error,
    };
    return c.html(itemView(studio, entity, current, recorded?.requests ?? [], undefined, state, entityPath(entity.name)), error ? statusOf(error) : 400);
  });

  app.post('/entities/:entity/item/delete', async (c) => {
    const entity = studio.catalog.entity(c.req.param('entity'));
    const recorded = await studio.recorder.record(() => entity.api.delete(idFromParams(entity.definition, (name) => c.req.query(name))));
    if (!recorded.ok)
      return c.html(
        page(studio, { title: entity.name, path: entityPath(entity.name), body: html`<h1>Delete</h1>${errorBox(recorded.error)}` }),
        statusOf(recorded.error),
      );
    return c.redirect(`${entityPath(entity.name)}?done=deleted&trace=${studio.traces.keep(recorded.requests)}`, 303);
  });
}
