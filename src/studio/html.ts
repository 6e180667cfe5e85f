/** Markup that is already safe: built by `html`, never from raw input. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type Part = Html | string | number | boolean | null | undefined | readonly Part[];

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (char) => entities[char] ?? char);

function render(part: Part): string {
  if (part instanceof Html) return part.value;
  if (Array.isArray(part)) return part.map(render).join('');
  if (part === null || part === undefined || part === false) return '';
  return escapeHtml(String(part));
}

/** A template whose interpolations are escaped unless they are Html themselves (or arrays of it). */
export function html(strings: TemplateStringsArray, ...parts: Part[]): Html {
  let out = strings[0] ?? '';
  parts.forEach((part, index) => {
    out += render(part) + (strings[index + 1] ?? '');
  });
  return new Html(out);
}

/** Trusted markup (the studio's own CSS and script). */
export const trusted = (text: string): Html => new Html(text);

/** A query string from values (empty ones left out). */
export function query(values: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) if (value !== undefined && value !== '') params.set(name, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** JSON for display: sets as arrays, bytes as base64, dates as ISO strings. */
export function toJson(value: unknown, indent = 2): string {
  return (
    JSON.stringify(
      value,
      (_key, inner: unknown) => (inner instanceof Set ? [...inner] : inner instanceof Uint8Array ? Buffer.from(inner).toString('base64') : inner),
      indent,
    ) ?? 'undefined'
  );
}

/** A short one-line rendering of a value for tables. */
export function brief(value: unknown, max = 60): string {
  const text = typeof value === 'string' ? value : value instanceof Date ? value.toISOString() : toJson(value, 0);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Attributes: `true` writes a boolean attribute, `false` / undefined leaves the attribute out. */
export function attrs(values: Readonly<Record<string, string | number | boolean | undefined>>): Html {
  let out = '';
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined || value === false) continue;
    out += value === true ? ` ${name}` : ` ${name}="${escapeHtml(String(value))}"`;
  }
  return new Html(out);
}
