/**
 * The mirror's screen (`/mirror/<id>`), shown by the mirror's own browser on its touch screen. Plain HTML and
 * vanilla JS, no CDN: the store may be offline from the internet.
 *
 * - Key: the mirror's device secret, given once as `/mirror/<id>#key=<secret>` (a fragment never reaches the
 *   server or its logs) or typed into the setup form; kept in localStorage. Store IT may instead be logged in
 *   with the staff token (the `sg_token` the staff pages keep).
 * - Live: `GET …/events` is read as a stream with fetch (EventSource cannot send a bearer header): a `state`
 *   on connect, then every command the mirror gets. Reconnects every 2 s while the gateway is away.
 * - Buttons: a size (in store → staff bring it; not in store → order online), home or locker delivery, a
 *   suggestion (shows it), "which one is it?" options: all `POST …/interactions`, the same messages a mirror
 *   device publishes on its interaction topic.
 */
export function mirrorPage(id: string): string {
  const safe = JSON.stringify(id).replace(/</g, '\\u003c');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1,user-scalable=no">
<title>Mirror</title><style>
*{box-sizing:border-box}
body{font:26px/1.3 system-ui,sans-serif;background:#111;color:#eee;margin:0;padding:28px;-webkit-user-select:none;user-select:none}
h1{font-size:46px;margin:0 0 4px}h2{font-size:28px;color:#bbb;margin:28px 0 10px;font-weight:500}
.muted{color:#999}.reason{color:#9cf;font-size:22px}.sub{font-size:20px;color:#bbb}
button{font:inherit;color:inherit;background:#2a2a2a;border:2px solid #444;border-radius:14px;padding:14px 20px;margin:6px;min-height:72px;min-width:96px;cursor:pointer;text-align:left}
button:active{background:#3a3a3a}button.primary{background:#1d4ed8;border-color:#1d4ed8}
button.size.out{border-style:dashed}button[disabled]{opacity:.5}
.row{display:flex;flex-wrap:wrap}.card{display:block;width:100%;margin:8px 0}
#status{position:fixed;top:12px;right:16px;font-size:18px}#status.off{color:#f87171}#status.on{color:#4ade80}
#notice{min-height:36px;margin-top:12px;color:#fde68a}.request{font-size:24px}
form input{font:inherit;padding:12px;border-radius:10px;border:0;width:70%}
[hidden]{display:none!important}
</style></head><body>
<div id="status" class="off">○ connecting</div>
<section id="setup" hidden><h1>Set up this mirror</h1><p class="muted">Enter the mirror's key (its device secret from <code>storegate device add</code>).</p>
<form id="keyForm"><input id="key" type="password" autocomplete="off" required><button class="primary" type="submit">Save</button></form><p id="setupError" class="reason"></p></section>
<main id="app"><h1 id="title">Hold an item up to the mirror</h1><div id="subtitle" class="muted"></div>
<div id="notice" aria-live="polite"></div><div id="answer" class="muted">waiting…</div>
<section id="requests"></section></main>
<script>
const id=${safe};const base='/api/v1/fitting/mirrors/'+encodeURIComponent(id);const KEY='sg_mirror_key:'+id;
const $=(x)=>document.getElementById(x);
const el=(t,c,x)=>{const e=document.createElement(t);if(c)e.className=c;if(x!==undefined)e.textContent=x;return e};
const fromHash=new URLSearchParams(location.hash.slice(1)).get('key');
if(fromHash){localStorage.setItem(KEY,fromHash);history.replaceState(null,'',location.pathname)}
const auth=()=>{const k=localStorage.getItem(KEY)||localStorage.getItem('sg_token');return k?{authorization:'Bearer '+k}:{}};
const st={answer:null,item:null,requests:new Map(),notice:''};
const STATUS={open:'requested, staff are on it',claimed:'on its way to you',done:'brought to your room',cancelled:'cancelled'};
async function send(msg){
  try{const res=await fetch(base+'/interactions',{method:'POST',headers:{...auth(),'content-type':'application/json'},body:JSON.stringify(msg)});
    if(res.status===401||res.status===403)return needKey('That key was refused.');
    if(!res.ok&&res.status>=500)notice('Sorry, that did not work. Please try again.')}
  catch{notice('The mirror is offline. Please ask a member of staff.')}
}
function notice(t){st.notice=t;$('notice').textContent=t}
function button(label,sub,cls,onclick){const b=el('button',cls);b.append(el('div','',label));if(sub)b.append(el('div','sub',sub));b.onclick=onclick;return b}
function renderAnswer(){
  const a=st.answer,box=$('answer'),title=$('title'),subtitle=$('subtitle');box.replaceChildren();box.className='';subtitle.textContent='';
  if(!a){title.textContent='Hold an item up to the mirror';box.append(el('div','muted','waiting…'));return}
  if(a.type==='recognised'&&a.item){
    const it=a.item;title.textContent=it.name;subtitle.textContent=it.colour+(a.via==='model'?'':' · you picked it');
    box.append(el('h2','','Your size?'));const sizes=el('div','row');
    const reasons=new Map(a.suggestions.sizes.map((s)=>[s.size,s.reason]));
    for(const s of it.sizes){const b=button(s.size,s.inStock?(reasons.get(s.size)||'in store'):'order online','size'+(s.inStock?'':' out'),()=>send({type:'size_request',productId:it.sku,size:s.size}));b.dataset.size=s.size;sizes.append(b)}
    box.append(sizes);
    if(a.suggestions.stockAsOf)box.append(el('div','muted stock-as-of','stock as of '+new Date(a.suggestions.stockAsOf).toLocaleTimeString([], {hour:'2-digit',minute:'2-digit'})));
    const sec=(name,list,cls)=>{if(!list||!list.length)return;box.append(el('h2','',name));
      for(const x of list){const b=button(x.name||x.size,x.reason,'card suggestion '+cls,()=>send({type:'tap',productId:x.sku}));box.append(b)}};
    sec('Other colours',a.suggestions.colours,'colour');sec('Goes with',a.suggestions.goesWith,'goes-with');sec('Similar',a.suggestions.similar,'similar');
  }else if(a.type==='recognised'){title.textContent=a.label;box.append(el('div','muted','not in this store'))}
  else if(a.type==='ask_pick'){title.textContent='Which one is it?';
    for(const o of a.options)for(const p of o.products)box.append(button(p.name,o.label,'card option',()=>send({type:'pick',productId:p.sku})));
    if(!a.options.some((o)=>o.products.length))box.append(el('div','muted','Please hold the item a little closer.'))}
  else if(a.type==='order_online'){const o=a.offer;const name=st.item&&st.item.sku===o.sku?st.item.name:o.sku;
    title.textContent=name+' in '+o.size;box.append(el('div','reason',o.reason));const row=el('div','row');
    if(o.delivery.includes('home'))row.append(button('Deliver to my home','order online','primary order',()=>send({type:'order',productId:o.sku,size:o.size,delivery:'home'})));
    if(o.delivery.includes('locker'))row.append(button('Collect from a locker here','free, we text you a code','primary order',()=>send({type:'order',productId:o.sku,size:o.size,delivery:'locker'})));
    if(st.item)row.append(button('Back','', 'back',()=>{st.answer=st.lastRecognised||null;renderAnswer()}));
    box.append(row)}
}
function renderRequests(){const r=$('requests');r.replaceChildren();if(!st.requests.size)return;r.append(el('h2','','Sizes you asked for'));
  for(const q of st.requests.values())r.append(el('div','request','• '+(q.productName||q.productId)+' '+q.size+': '+(STATUS[q.status]||q.status)))}
function nameOf(sku){return st.item&&st.item.sku===sku?st.item.name:sku}
function apply(c){
  if(c.type==='recognised'){st.answer=c;if(c.item){st.item=c.item;st.lastRecognised=c}notice('')}
  else if(c.type==='ask_pick'||c.type==='order_online'){st.answer=c;notice('')}
  else if(c.type==='size_request'){const old=st.requests.get(c.id);st.requests.set(c.id,{...old,id:c.id,productId:c.productId,productName:old?.productName||nameOf(c.productId),size:c.size,status:c.status});
    if(c.status==='open'&&!old)notice('Thanks! Someone will bring '+nameOf(c.productId)+' in '+c.size+'.')}
  else if(c.type==='order'){notice('Ordered: '+nameOf(c.productId)+' in '+c.size+(c.delivery==='locker'?', to a locker here. We will send you the pickup code.':', delivered to your home.'));
    if(st.lastRecognised)st.answer=st.lastRecognised}
  else if(c.type==='session'&&c.status==='closed'){st.answer=null;st.item=null;st.lastRecognised=null;st.requests.clear();notice('')}
  else if(c.type==='error'){notice(c.reason==='no_object'||c.reason==='not_an_image'||c.reason==='corrupt'?'Please hold the item up to the mirror again.':c.message)}
  else return;
  renderAnswer();renderRequests();
}
function setState(s){st.answer=s.answer;if(s.answer&&s.answer.type==='recognised'&&s.answer.item){st.item=s.answer.item;st.lastRecognised=s.answer}
  st.requests=new Map(s.sizeRequests.map((q)=>[q.id,q]));renderAnswer();renderRequests()}
function online(on){const s=$('status');s.className=on?'on':'off';s.textContent=on?'● live':'○ offline, reconnecting'}
function needKey(msg){$('app').hidden=true;$('setup').hidden=false;$('setupError').textContent=msg||'';online(false);stop=true}
let stop=false;
async function stream(){
  stop=false;$('app').hidden=false;$('setup').hidden=true;
  while(!stop){
    try{const res=await fetch(base+'/events',{headers:auth(),cache:'no-store'});
      if(res.status===401||res.status===403)return needKey(Object.keys(auth()).length?'That key was refused.':'');
      if(!res.ok||!res.body)throw new Error(String(res.status));
      online(true);const reader=res.body.pipeThrough(new TextDecoderStream()).getReader();let buf='';
      for(;;){const {value,done}=await reader.read();if(done)break;buf+=value;let i;
        while((i=buf.indexOf('\\n\\n'))>=0){const block=buf.slice(0,i);buf=buf.slice(i+2);let ev='message',data='';
          for(const line of block.split('\\n')){if(line.startsWith('event: '))ev=line.slice(7);else if(line.startsWith('data: '))data+=line.slice(6)}
          if(!data)continue;const msg=JSON.parse(data);if(ev==='state')setState(msg);else if(ev==='cmd')apply(msg)}}
    }catch{}
    online(false);await new Promise((r)=>setTimeout(r,2000));
  }
}
$('keyForm').onsubmit=(e)=>{e.preventDefault();localStorage.setItem(KEY,$('key').value.trim());$('key').value='';stream()};
if(Object.keys(auth()).length)stream();else needKey('');
</script></body></html>`;
}
