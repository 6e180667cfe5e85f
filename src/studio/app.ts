import { Hono } from 'hono';
import { studioCss, studioJs } from './assets.ts';
import { NotFound } from './catalog.ts';
import { errorBox } from './components.ts';
import { formOf } from './form-body.ts';
import { html } from './html.ts';
import { notFoundPage, page } from './layout.ts';
import { registerEntityPages } from './pages/entity.ts';
import { registerFacetPages } from './pages/facets.ts';
import { registerItemPages } from './pages/item.ts';
import { registerLivePages, type LiveStreams } from './pages/live.ts';
import { registerOverviewPages } from './pages/overview.ts';
import { registerPatternPages } from './pages/pattern.ts';
import type { Studio } from './studio.ts';

export interface StudioAppOptions {
  /** Answer requests for any Host (the server was told to listen beyond loopback). Default: loopback names only. */
  anyHost?: boolean;
}

export interface StudioApp {
  readonly app: Hono;
  readonly fetch: (request: Request) => Response | Promise<Response>;
  /** Ends every open live view (for shutdown). */
  closeLiveStreams(): void;
}

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);
const hostname = (host: string) => (host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? ''));

/** The studio's Hono app: server-rendered pages over the entity API of any table. */
export function createStudioApp(studio: Studio, options: StudioAppOptions = {}): StudioApp {
  const app = new Hono();
  const live: LiveStreams = new Set();

  // A page of another site must not drive the studio: loopback Host only (no DNS rebinding), and writes need the form token.
  app.use('*', async (c, next) => {
    const host = c.req.header('host') ?? '';
    if (!options.anyHost && !loopbackHosts.has(hostname(host))) return c.text(`tablekit studio answers to localhost only, not to Host '${host}'`, 403);
    if (c.req.method === 'POST') {
      const origin = c.req.header('origin');
      const form = await formOf(c);
      if ((origin && origin !== 'null' && new URL(origin).host !== host) || form._csrf !== studio.token) {
        return c.html(
          page(studio, {
            title: 'Refused',
            path: c.req.path,
            body: html`<h1>Refused</h1><p class="flash bad" role="alert">This form did not come from this studio (or the studio restarted): reload the page and try again. Nothing was written.</p>`,
          }),
          403,
        );
      }
    }
    await next();
  });
  app.get('/assets/studio.css', (c) => c.body(studioCss, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'no-cache' }));
  app.get('/assets/studio.js', (c) => c.body(studioJs, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' }));

  registerOverviewPages(app, studio);
  registerEntityPages(app, studio);
  registerPatternPages(app, studio);
  registerItemPages(app, studio);
  registerFacetPages(app, studio);
  registerLivePages(app, studio, live);

  app.notFound((c) => c.html(notFoundPage(studio, c.req.path, `There is no page at ${c.req.path}.`), 404));
  app.onError((error, c) => {
    if (error instanceof NotFound) return c.html(notFoundPage(studio, c.req.path, error.message), 404);
    return c.html(page(studio, { title: 'Error', path: c.req.path, body: html`<h1>Something went wrong</h1>${errorBox(error)}` }), 500);
  });
  return {
    app,
    fetch: app.fetch,
    closeLiveStreams: () => {
      for (const close of [...live]) close();
    },
  };
}
