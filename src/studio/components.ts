import { isRepositoryError } from '../errors/index.ts';
import type { FieldShape } from '../schema/index.ts';
import type { EntityInfo, Item } from './catalog.ts';
import { attrs, brief, html, toJson, type Html } from './html.ts';
import type { RecordedRequest } from './recorder.ts';
import { isJsonKind, itemPath } from './values.ts';

const messages: Record<string, string> = {
  created: 'Created.',
  saved: 'Saved.',
  deleted: 'Deleted.',
  seeded: 'Sample items written.',
};

/** The outcome of the write the browser was redirected from. */
export function flash(done: string | undefined): Html {
  const message = done ? messages[done] : undefined;
  return message ? html`<p class="flash good" role="status">${message}</p>` : html``;
}

/** An error of the entity API (or any other), with a validation error's issues listed. */
export function errorBox(error: unknown): Html {
  if (isRepositoryError(error)) {
    return html`<div class="flash bad" role="alert"><strong>RepositoryError(${error.code})</strong>: ${error.message}
      ${error.issues.length > 0 ? html`<ul>${error.issues.map((issue) => html`<li><code>${issue.path.join('.') || '(item)'}</code>: ${issue.message}</li>`)}</ul>` : ''}</div>`;
  }
  return html`<div class="flash bad" role="alert">${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}</div>`;
}

/** A typed value of a recorded request (`{ "S": "x" }`) as a literal. */
function literal(value: unknown): string {
  if (value && typeof value === 'object') {
    const [type, inner] = Object.entries(value)[0] ?? [];
    if (type === 'S') return JSON.stringify(inner);
    if (type === 'N') return String(inner);
    if (type === 'BOOL' || type === 'NULL') return String(inner);
  }
  return toJson(value, 0);
}

/** An expression of a request with its #names and :values put back, e.g. `gsi1pk = "$app#status_open"`. */
export function resolveExpression(input: Record<string, unknown>, field: string): string | undefined {
  const expression = input[field];
  if (typeof expression !== 'string') return undefined;
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (input.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
  return expression.replace(/[#:][A-Za-z0-9_]+/g, (token) =>
    token.startsWith('#') ? (names[token] ?? token) : token in values ? literal(values[token]) : token,
  );
}

function capacity(request: RecordedRequest): string {
  const list = Array.isArray(request.consumed) ? request.consumed : request.consumed ? [request.consumed] : [];
  if (list.length === 0) return 'capacity not reported';
  const units = list.reduce((total: number, entry: { CapacityUnits?: number }) => total + (entry.CapacityUnits ?? 0), 0);
  return `${units} capacity unit(s)${request.estimated ? ' (estimated: in memory)' : ''}`;
}

const SHOWN_REQUESTS = 10;

/** The DynamoDB requests an operation made: body as sent, expressions resolved, consumed capacity. */
export function requestsPanel(requests: readonly RecordedRequest[], backend: 'dynamodb' | 'memory'): Html {
  if (requests.length === 0) return html``;
  return html`<section class="requests" aria-labelledby="requests-title">
    <h2 id="requests-title">DynamoDB request${requests.length > 1 ? 's' : ''}</h2>
    ${backend === 'memory' ? html`<p class="muted">In memory nothing is sent: this is the request DynamoDB would receive.</p>` : ''}
    ${requests.length > SHOWN_REQUESTS ? html`<p class="muted">${requests.length} requests; the first ${SHOWN_REQUESTS} are shown.</p>` : ''}
    ${requests.slice(0, SHOWN_REQUESTS).map((request, index) => {
      const conditions = ['KeyConditionExpression', 'FilterExpression', 'UpdateExpression', 'ConditionExpression']
        .map((field) => [field, resolveExpression(request.input, field)] as const)
        .filter(([, text]) => text !== undefined);
      return html`<details class="request"${attrs({ open: index === 0, 'data-operation': request.operation })}>
        <summary><strong>${request.operation}</strong> · ${request.durationMs.toFixed(1)} ms · <span class="capacity">${capacity(request)}</span>${request.error ? html` · <span class="error">${request.error}</span>` : ''}</summary>
        ${conditions.map(([field, text]) => html`<div class="condition">${field}: ${text}</div>`)}
        <pre><code>${toJson(request.input)}</code></pre>
        ${request.consumed ? html`<pre><code>ConsumedCapacity: ${toJson(request.consumed)}</code></pre>` : ''}
      </details>`;
    })}
  </section>`;
}

/** Every key attribute of an item (primary and the indexes it is in), as tablekit builds them. */
export function keysOf(info: EntityInfo, item: Item): { name: string; value: string }[] {
  try {
    return Object.entries(info.keys.itemKeys(item))
      .filter(([name]) => !name.startsWith('__edb_'))
      .map(([name, value]) => ({ name, value: String(value) }));
  } catch {
    return [];
  }
}

/** Items as rows: the physical keys of the chosen index first, then every attribute. */
export function itemsTable(info: EntityInfo, items: readonly Item[], keyFields: readonly string[], caption: string): Html {
  if (items.length === 0) return html`<p class="muted">No items.</p>`;
  const fields = Object.keys(info.definition.fields);
  return html`<div class="scroll"><table class="items">
    <caption class="muted" style="text-align:left">${caption}</caption>
    <thead><tr><th scope="col">item</th>${keyFields.map((field) => html`<th scope="col" class="key">${field}</th>`)}${fields.map((field) => html`<th scope="col">${field}</th>`)}</tr></thead>
    <tbody>${items.map((item) => {
      const keys = Object.fromEntries(keysOf(info, item).map((key) => [key.name, key.value]));
      return html`<tr><td><a href="${itemPath(info, item)}">open</a></td>${keyFields.map((field) => html`<td class="key">${keys[field] ?? '—'}</td>`)}${fields.map(
        (field) => html`<td>${item[field] === undefined ? html`<span class="muted">—</span>` : brief(item[field])}</td>`,
      )}</tr>`;
    })}</tbody>
  </table></div>`;
}

export interface FieldInputOptions {
  readonly name: string;
  readonly id: string;
  readonly shape: FieldShape | undefined;
  /** The text to show: a value formatted with formatField, or what the user typed. */
  readonly text: string | undefined;
  readonly readOnly?: boolean;
  readonly required?: boolean;
  readonly errorId?: string;
  readonly invalid?: boolean;
}

/** The input for one value: a select for enums and booleans, a textarea for JSON kinds, text otherwise. */
export function fieldInput(options: FieldInputOptions): Html {
  const { name, id, shape } = options;
  const text = options.text ?? '';
  const common = attrs({ id, name, 'aria-invalid': options.invalid ? 'true' : undefined, 'aria-describedby': options.invalid ? options.errorId : undefined });
  const choices = shape?.kind === 'enum' ? (shape.values ?? []) : shape?.kind === 'boolean' ? ['true', 'false'] : undefined;
  if (choices && !options.readOnly) {
    const blank = !options.required || !choices.includes(text);
    return html`<select${common}>${blank ? html`<option value=""></option>` : ''}${choices.map(
      (choice) => html`<option${attrs({ value: choice, selected: choice === text })}>${choice}</option>`,
    )}</select>`;
  }
  if (shape && (isJsonKind(shape) || shape.kind === 'binary')) {
    return html`<textarea${common}${attrs({ rows: Math.min(10, Math.max(2, text.split('\n').length)), readonly: options.readOnly })}>${text}</textarea>`;
  }
  const hint = shape?.kind === 'date' ? 'ISO 8601, e.g. 2026-01-01T00:00:00.000Z' : undefined;
  return html`<input type="text"${common}${attrs({ value: text, placeholder: hint, inputmode: shape?.kind === 'number' ? 'decimal' : undefined, readonly: options.readOnly, autocomplete: 'off' })}>`;
}

/** Errors under a field. */
export const fieldErrors = (id: string, errors: readonly string[] | undefined): Html =>
  errors && errors.length > 0 ? html`<p class="error" id="${id}">${errors.join('; ')}</p>` : html``;
