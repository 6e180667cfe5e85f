/** The studio's stylesheet: plain CSS, light and dark, readable on a laptop screen. */
export const studioCss = `
:root { color-scheme: light dark; --bg: #fbfbfa; --fg: #1d1f21; --muted: #5f6368; --line: #dcdcd8; --panel: #ffffff; --accent: #0b57d0; --accent-bg: #e8f0fe;
  --bad: #b3261e; --bad-bg: #fce8e6; --good: #146c2e; --good-bg: #e6f4ea; --warn-bg: #fef7e0; --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
@media (prefers-color-scheme: dark) { :root { --bg: #17181a; --fg: #e3e3e0; --muted: #a0a4a8; --line: #34363a; --panel: #1f2023; --accent: #8ab4f8; --accent-bg: #22304a;
  --bad: #f2b8b5; --bad-bg: #3c1f1e; --good: #a8dab5; --good-bg: #1e3326; --warn-bg: #3a321c; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--fg); }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, summary:focus-visible, main:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
code, pre, .mono { font-family: var(--mono); font-size: 13px; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 8px; top: 8px; background: var(--panel); padding: 6px 10px; z-index: 2; }
header.top { display: flex; gap: 16px; align-items: baseline; flex-wrap: wrap; padding: 10px 20px; border-bottom: 1px solid var(--line); background: var(--panel); }
header.top .brand { font-weight: 700; text-decoration: none; color: var(--fg); }
header.top .where { color: var(--muted); font-size: 13px; }
header.top nav { margin-left: auto; display: flex; gap: 14px; }
.shell { display: grid; grid-template-columns: 250px minmax(0, 1fr); min-height: calc(100vh - 46px); }
nav.side { border-right: 1px solid var(--line); padding: 12px; font-size: 14px; overflow-y: auto; }
nav.side input { width: 100%; margin-bottom: 8px; }
nav.side ul { list-style: none; margin: 0; padding: 0; } nav.side ul ul { padding-left: 14px; margin-bottom: 6px; }
nav.side li a { display: block; padding: 2px 6px; border-radius: 4px; text-decoration: none; }
nav.side li a[aria-current="page"] { background: var(--accent-bg); font-weight: 600; }
nav.side small { color: var(--muted); }
nav.side h2 { font-size: 12px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); margin: 14px 0 4px; }
main { padding: 18px 24px 40px; min-width: 0; }
h1 { font-size: 22px; margin: 0 0 6px; } h2 { font-size: 17px; margin: 22px 0 8px; } h3 { font-size: 15px; margin: 16px 0 6px; }
p.lead { color: var(--muted); margin-top: 0; }
table { border-collapse: collapse; width: 100%; background: var(--panel); }
th, td { border: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
th { font-size: 13px; color: var(--muted); font-weight: 600; background: var(--bg); }
.scroll { overflow-x: auto; max-width: 100%; } table.items td { white-space: nowrap; }
.key { font-family: var(--mono); font-size: 12.5px; white-space: pre; }
.badge { display: inline-block; font-size: 11.5px; padding: 0 6px; border-radius: 9px; border: 1px solid var(--line); color: var(--muted); margin-left: 4px; }
.badge.key { color: var(--accent); border-color: var(--accent); }
.flash { padding: 8px 12px; border-radius: 6px; margin-bottom: 14px; }
.flash.good { background: var(--good-bg); color: var(--good); } .flash.bad { background: var(--bad-bg); color: var(--bad); } .flash.warn { background: var(--warn-bg); }
.flash ul { margin: 4px 0 0; }
form.grid { display: grid; grid-template-columns: minmax(160px, 220px) minmax(0, 1fr); gap: 8px 14px; align-items: start; max-width: 980px; }
form.grid label { padding-top: 5px; font-weight: 600; }
form.grid .type { display: block; font-weight: 400; font-size: 12px; color: var(--muted); font-family: var(--mono); }
input, select, textarea { font: inherit; padding: 5px 7px; border: 1px solid var(--line); border-radius: 5px; background: var(--panel); color: var(--fg); max-width: 100%; }
input[type="text"], textarea { width: 100%; } textarea { font-family: var(--mono); font-size: 13px; }
input[readonly] { background: var(--bg); color: var(--muted); }
[aria-invalid="true"] { border-color: var(--bad); }
p.error { color: var(--bad); margin: 3px 0 0; font-size: 13.5px; }
.actions { grid-column: 2; display: flex; gap: 10px; align-items: center; }
button { font: inherit; padding: 6px 14px; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: var(--bg); cursor: pointer; }
button.secondary { background: transparent; color: var(--accent); } button.danger { background: transparent; color: var(--bad); border-color: var(--bad); }
.row { display: flex; gap: 10px; flex-wrap: wrap; align-items: center; } .row input[type="text"] { width: 6em; }
.sk-row { display: flex; gap: 6px; align-items: center; } .sk-row input { width: auto; flex: 1; }
details.request { border: 1px solid var(--line); border-radius: 6px; background: var(--panel); margin-bottom: 8px; }
details.request summary { padding: 6px 10px; cursor: pointer; }
details.request pre { margin: 0; padding: 8px 10px; border-top: 1px solid var(--line); overflow-x: auto; max-height: 360px; }
.condition { font-family: var(--mono); font-size: 12.5px; padding: 0 10px 6px; color: var(--muted); }
.muted { color: var(--muted); }
.pager { display: flex; gap: 14px; margin: 10px 0; }
.facet td.pk { background: var(--accent-bg); font-family: var(--mono); font-size: 12.5px; }
.chip { display: inline-block; margin: 1px 3px 1px 0; padding: 0 6px; border: 1px solid var(--line); border-radius: 4px; font-size: 12.5px; }
.chip b { font-weight: 600; } .chip.composite { border-color: var(--accent); }
#live-log tr.fresh { animation: flash 1.6s ease-out; } @keyframes flash { from { background: var(--good-bg); } to { background: transparent; } }
.status { font-size: 13px; padding: 2px 8px; border-radius: 10px; background: var(--warn-bg); } .status[data-state="live"] { background: var(--good-bg); color: var(--good); }
kbd { font-family: var(--mono); font-size: 12px; border: 1px solid var(--line); border-bottom-width: 2px; border-radius: 4px; padding: 0 4px; }
@media (max-width: 900px) { .shell { grid-template-columns: 1fr; } nav.side { border-right: 0; border-bottom: 1px solid var(--line); } form.grid { grid-template-columns: 1fr; } .actions { grid-column: 1; } }
`;

/**
 * The studio's only script: keyboard shortcuts, the sort-key condition inputs, confirmations,
 * the sidebar filter and the live view's event stream. Pages work without it except the live view.
 */
export const studioJs = `
(() => {
  const $ = (selector, root = document) => root.querySelector(selector);
  document.addEventListener('keydown', (event) => {
    const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement?.tagName ?? '');
    if (event.key === '/' && !typing) { event.preventDefault(); $('#nav-filter')?.focus(); }
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) { const form = document.activeElement?.closest('form'); if (form) { event.preventDefault(); form.requestSubmit(); } }
  });
  $('#nav-filter')?.addEventListener('input', (event) => {
    const text = event.target.value.toLowerCase();
    for (const item of document.querySelectorAll('nav.side li[data-name]')) item.hidden = text !== '' && !item.dataset.name.toLowerCase().includes(text);
  });
  for (const form of document.querySelectorAll('form[data-confirm]')) form.addEventListener('submit', (event) => { if (!confirm(form.dataset.confirm)) event.preventDefault(); });
  const syncBetween = (select) => { const to = document.getElementById(select.dataset.to); if (to) to.hidden = select.value !== 'between'; };
  for (const select of document.querySelectorAll('select[data-to]')) { syncBetween(select); select.addEventListener('change', () => syncBetween(select)); }
  const log = $('#live-log tbody');
  if (log) {
    const status = $('#live-status');
    const source = new EventSource('/live/events');
    const cell = (row, text, className) => { const td = row.insertCell(); td.textContent = text; if (className) td.className = className; return td; };
    source.addEventListener('ready', () => { status.dataset.state = 'live'; status.textContent = 'live: waiting for writes'; });
    source.addEventListener('change', (event) => {
      const change = JSON.parse(event.data);
      const row = log.insertRow(0);
      row.className = 'fresh';
      row.dataset.entity = change.entity;
      row.dataset.type = change.type;
      cell(row, change.at.slice(11, 23), 'mono');
      cell(row, change.type);
      cell(row, change.entity);
      const id = cell(row, '');
      if (change.href) { const link = document.createElement('a'); link.href = change.href; link.textContent = change.id; id.append(link); } else id.textContent = change.id;
      cell(row, change.keys.map((key) => key.name + ' = ' + key.value).join('\\n'), 'key');
      cell(row, change.changed.join(', '));
      status.textContent = 'live: ' + log.rows.length + ' write(s)';
    });
    source.addEventListener('error', () => { status.dataset.state = 'reconnecting'; status.textContent = 'reconnecting…'; });
  }
})();
`;
