import { attrs, html, type Html, type Part } from './html.ts';
import type { Studio } from './studio.ts';
import { entityPath, indexLabel, patternPath } from './values.ts';

export interface PageOptions {
  title: string;
  /** The path of the page, to mark the current link. */
  path: string;
  body: Part;
}

const link = (path: string, href: string) => attrs({ href, 'aria-current': path === href ? 'page' : undefined });

function sidebar(studio: Studio, path: string): Html {
  const { catalog } = studio;
  return html`<nav class="side" aria-label="Entities, access patterns and indexes">
    <input type="search" id="nav-filter" placeholder="Filter (press /)" aria-label="Filter entities and access patterns">
    <ul>
      ${catalog.entities.map(
        (entity) => html`<li data-name="${entity.name} ${entity.patterns.map((p) => p.name).join(' ')}">
          <a${link(path, entityPath(entity.name))}>${entity.name}</a>
          <ul>${entity.patterns.map(
            (pattern) => html`<li><a${link(path, patternPath(entity.name, pattern.name))}>${pattern.name} <small>${indexLabel(pattern.index)}</small></a></li>`,
          )}</ul>
        </li>`,
      )}
    </ul>
    <h2>Facets by index</h2>
    <ul>${catalog.indexes.map((index) => html`<li data-name="${index.name}"><a${link(path, `/facets/${index.name}`)}>${indexLabel(index.name)}</a></li>`)}</ul>
  </nav>`;
}

/** A full page: header, sidebar (entities, patterns, indexes), main content. */
export function page(studio: Studio, options: PageOptions): string {
  return `<!doctype html>${html`<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${options.title} · tablekit studio</title>
  <link rel="stylesheet" href="/assets/studio.css">
  <script src="/assets/studio.js" defer></script>
</head>
<body>
  <a class="skip" href="#main">Skip to content</a>
  <header class="top">
    <a class="brand" href="/">tablekit studio</a>
    <span>table <code>${studio.table.tableName}</code></span>
    <span class="where">${studio.where}</span>
    <nav aria-label="Views"><a${link(options.path, '/')}>Overview</a><a${link(options.path, '/live')}>Live</a><a href="/facets/primary">Facets</a></nav>
  </header>
  <div class="shell">
    ${sidebar(studio, options.path)}
    <main id="main" tabindex="-1">${options.body}</main>
  </div>
</body>
</html>`}`;
}

/** The page for an unknown entity, pattern, index or item. */
export function notFoundPage(studio: Studio, path: string, message: string): string {
  return page(studio, {
    title: 'Not found',
    path,
    body: html`<h1>Not found</h1><p class="flash bad" role="alert">${message}</p><p><a href="/">Back to the overview</a></p>`,
  });
}
