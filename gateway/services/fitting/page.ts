/** The mirror's screen: polls its state route; no CDN, no external assets. */
export function mirrorPage(id: string): string {
  const safe = JSON.stringify(id).replace(/</g, '\\u003c');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Mirror</title><style>
body{font:24px system-ui,sans-serif;background:#111;color:#eee;margin:0;padding:24px}
h1{font-size:40px;margin:0 0 8px}.reason{color:#9cf}.card{background:#222;border-radius:12px;padding:12px 16px;margin:8px 0}
section{margin-top:20px}.muted{color:#999}
</style></head><body><h1 id="title">Hold an item up to the mirror</h1><div id="answer" class="muted">waiting…</div>
<section id="requests"></section>
<script>
const id=${safe};const el=(t,c,x)=>{const e=document.createElement(t);if(c)e.className=c;if(x!==undefined)e.textContent=x;return e};
function render(s){const a=s.answer,box=document.getElementById('answer'),title=document.getElementById('title');box.replaceChildren();box.className='';
if(!a){title.textContent='Hold an item up to the mirror';box.append(el('div','muted','waiting…'))}
else if(a.type==='recognised'&&a.item){title.textContent=a.item.name;
 const sec=(name,list)=>{if(!list.length)return;box.append(el('h2','',name));for(const x of list){const c=el('div','card suggestion');c.append(el('div','',x.name||x.size),el('div','reason',x.reason));box.append(c)}};
 sec('Other sizes',a.suggestions.sizes);sec('Goes with',a.suggestions.goesWith);sec('Similar',a.suggestions.similar)}
else if(a.type==='ask_pick'){title.textContent='Which one is it?';for(const o of a.options)box.append(el('div','card option',o.label))}
else if(a.type==='order_online'){title.textContent='Order online';box.append(el('div','card reason',a.offer.reason))}
const r=document.getElementById('requests');r.replaceChildren();for(const q of s.sizeRequests)r.append(el('div','card request',q.productName+' '+q.size+': '+q.status))}
async function poll(){try{const res=await fetch('/api/v1/fitting/mirrors/'+encodeURIComponent(id)+'/state');if(res.ok)render(await res.json())}catch{}setTimeout(poll,500)}
poll();
</script></body></html>`;
}
