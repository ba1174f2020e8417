import type { Language } from '../../staff/accounts.ts';
import { MIRROR_MESSAGES } from './i18n/index.ts';
import { mirrorScript } from './page-script.ts';

/**
 * The mirror's screen (`/mirror/<id>`), shown by the mirror's own browser on its touch screen. Plain HTML and
 * vanilla JS, no CDN: the store may be offline from the internet.
 *
 * - Key: the mirror's device secret, given once as `/mirror/<id>#key=<secret>` (a fragment never reaches the
 *   server or its logs) or typed into the setup form; kept in localStorage. Store IT may instead be logged in
 *   with the staff token (the `sg_token` the staff pages keep) or a fitting-room staff session.
 * - Live: `GET …/events` is read as a stream with fetch (EventSource cannot send a bearer header): a `state`
 *   on connect, then every command the mirror gets. Reconnects every 2 s while the gateway is away.
 * - Languages: the store's (`language`) first; the shopper may switch (both catalogs are in the page), and the next
 *   shopper starts in the store's language again. Errors are shown as the catalog's friendly words for their
 *   reason, never the gateway's own message.
 * - Buttons: a size (in store → staff bring it; not in store → order online), home or locker delivery (after the
 *   shopper's contact, with consent), cancel a size request, a suggestion (shows it), "which one is it?": all
 *   `POST …/interactions`, the same messages a mirror device publishes on its interaction topic.
 */
export function mirrorPage(id: string, opts: { language: Language; lockerPickup: boolean }): string {
  const json = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');
  return `<!doctype html><html lang="${opts.language}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1,user-scalable=no">
<title>Mirror</title><style>
*{box-sizing:border-box}
body{font:26px/1.3 system-ui,sans-serif;background:#111;color:#eee;margin:0;padding:28px;-webkit-user-select:none;user-select:none}
h1{font-size:46px;margin:0 0 4px}h2{font-size:28px;color:#bbb;margin:28px 0 10px;font-weight:500}
.muted{color:#999}.reason{color:#9cf;font-size:22px}.sub{font-size:20px;color:#bbb}
button{font:inherit;color:inherit;background:#2a2a2a;border:2px solid #444;border-radius:14px;padding:14px 20px;margin:6px;min-height:72px;min-width:96px;cursor:pointer;text-align:left}
button:active{background:#3a3a3a}button.primary{background:#1d4ed8;border-color:#1d4ed8}
button.size.out{border-style:dashed}button.size.on-tag{outline:3px solid #2a7;outline-offset:2px}button[disabled]{opacity:.5}
.row{display:flex;flex-wrap:wrap;align-items:center}.card{display:block;width:100%;margin:8px 0}
#status{position:fixed;top:12px;right:16px;font-size:18px}#status.off{color:#f87171}#status.on{color:#4ade80}
#langs{position:fixed;top:4px;left:16px}#langs button{min-height:44px;min-width:0;padding:4px 12px;font-size:18px}#langs button.on{border-color:#9cf}
#notice{min-height:36px;margin-top:12px;color:#fde68a}.request{font-size:24px}.request button{min-height:52px;font-size:20px}
form input[type=password],form input[type=tel],form input[type=email]{font:inherit;padding:12px;border-radius:10px;border:0;width:70%}
label.consent{display:flex;gap:12px;align-items:flex-start;font-size:22px;margin:12px 0}label.consent input{width:36px;height:36px;flex:none}
.err{color:#f87171}
[hidden]{display:none!important}
</style></head><body>
<div id="langs"></div>
<div id="status" class="off"></div>
<section id="setup" hidden><h1 data-t="setup_title"></h1><p class="muted" data-t="setup_hint"></p>
<form id="keyForm"><input id="key" type="password" autocomplete="off" required><button class="primary" type="submit" data-t="setup_save"></button></form><p id="setupError" class="reason"></p></section>
<main id="app"><h1 id="title"></h1><div id="subtitle" class="muted"></div>
<div id="notice" aria-live="polite"></div><div id="answer" class="muted"></div>
<section id="requests"></section></main>
<script>
const id=${json(id)};const MESSAGES=${json(MIRROR_MESSAGES)};const STORE_LANG=${json(opts.language)};const LOCKERS=${json(opts.lockerPickup)};
${mirrorScript}
</script></body></html>`;
}
