import { Html, html } from './html.ts';

export interface PageContext {
  /** Who is looking, for the header. */
  readonly actor: string | undefined;
  readonly readOnly: boolean;
  /** The CSRF token for forms on this page (absent in read-only mode, where there are no forms that act). */
  readonly csrfToken: string | undefined;
}

const style = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1a1a1a; }
header { background: #24292f; color: #fff; padding: 8px 16px; display: flex; gap: 16px; align-items: center; }
header a { color: #fff; text-decoration: none; } header .who { margin-left: auto; opacity: .8; }
main { padding: 12px 16px; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #ddd; vertical-align: top; }
th { background: #f3f4f6; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
form.filters { display: flex; gap: 8px; flex-wrap: wrap; margin-bottom: 12px; align-items: end; }
label { display: flex; flex-direction: column; font-size: 12px; color: #555; }
.outcome-processed { color: #116329; } .outcome-failed, .bad { color: #b42318; } .outcome-retrying { color: #9a6700; }
.banner { padding: 8px 12px; border-radius: 4px; margin-bottom: 12px; background: #fff8c5; }
.ok { color: #116329; } pre { background: #f6f8fa; padding: 8px; overflow: auto; max-height: 400px; }
button.danger { background: #b42318; color: #fff; border: 0; padding: 4px 10px; border-radius: 3px; }
`;

/** A whole page: the navigation, the read-only banner, `body`. */
export function page(title: string, context: PageContext, body: Html): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title} · pipeline console</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${new Html(style)}</style>
<script src="/assets/htmx.min.js" defer></script></head>
<body>
<header><strong>pipeline console</strong>
<a href="/events">Events</a><a href="/parked">Parked</a><a href="/system">System</a><a href="/hosts">Hosts</a><a href="/actions">Actions</a>
<span class="who">${context.actor ?? ''}${context.readOnly ? ' · read-only' : ''}</span>
${context.csrfToken === undefined || context.actor === undefined ? '' : html`<form method="post" action="/logout"><input type="hidden" name="_csrf" value="${context.csrfToken}"><button>Log out</button></form>`}
</header>
<main>
${context.readOnly ? html`<div class="banner">Read-only console (CONSOLE_READ_ONLY): nothing can be replayed or purged from here.</div>` : ''}
<h1>${title}</h1>
${body}
</main></body></html>`.text;
}
