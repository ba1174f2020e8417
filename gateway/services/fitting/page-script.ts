/**
 * The mirror page's script (see page.ts). Expects `id`, `MESSAGES` ({en, de}), `STORE_LANG` and `LOCKERS` to be
 * defined before it. String.raw: what is written here is exactly what the browser runs (no template escapes).
 */
export const mirrorScript = String.raw`
const base='/api/v1/fitting/mirrors/'+encodeURIComponent(id);const KEY='sg_mirror_key:'+id;
const $=(x)=>document.getElementById(x);
const el=(t,c,x)=>{const e=document.createElement(t);if(c)e.className=c;if(x!==undefined)e.textContent=x;return e};
let lang=STORE_LANG;
const t=(k,p)=>{const m=MESSAGES[lang]||MESSAGES.en;let s=m[k]??MESSAGES.en[k]??k;for(const [n,v] of Object.entries(p||{}))s=s.split('{'+n+'}').join(v);return s};
const word=(prefix,x)=>{const k=prefix+'.'+String(x).toLowerCase();const m=MESSAGES[lang]||{};return m[k]??x};
const fromHash=new URLSearchParams(location.hash.slice(1)).get('key');
if(fromHash){localStorage.setItem(KEY,fromHash);history.replaceState(null,'',location.pathname)}
const auth=()=>{const k=localStorage.getItem(KEY)||localStorage.getItem('sg_token');return k?{authorization:'Bearer '+k}:{}};
const st={answer:null,item:null,lastRecognised:null,requests:new Map(),notice:null,contact:null,online:false};
const PHONE=/^\+?[0-9][0-9 ()\/-]{5,19}$/;const EMAIL=/^[^@\s]+@[^@\s]+\.[^@\s]+$/;
/** errors the shopper sees: the catalog's words for the reason, never the gateway's message */
const errorText=(reason)=>{const k='error.'+reason;return (MESSAGES[lang]||{})[k]??MESSAGES.en[k]??t('error.generic')};
async function send(msg){
  try{const res=await fetch(base+'/interactions',{method:'POST',headers:{...auth(),'content-type':'application/json'},body:JSON.stringify(msg)});
    if(res.status===401||res.status===403)return needKey(t('key_refused'));
    if(!res.ok&&res.status>=500)notice(['error.generic'])}
  catch{notice(['error.offline'])}
}
/** a notice is kept as [key, params] so a language switch re-words it */
function notice(n){st.notice=n;$('notice').textContent=!n?'':n[0].startsWith('error.')?errorText(n[0].slice(6)):t(n[0],n[1])}
function button(label,sub,cls,onclick){const b=el('button',cls);b.append(el('div','',label));if(sub)b.append(el('div','sub',sub));b.onclick=onclick;return b}
const reasonOf=(s)=>s.why?t(s.why.key==='colour'?'also_in':s.why.key,{x:s.why.key==='colour'?word('colour',s.why.arg):s.why.key==='goes_with'?word('noun',s.why.arg):s.why.arg}):s.reason;
function nameOf(sku){if(st.item&&st.item.sku===sku)return st.item.name;for(const q of st.requests.values())if(q.productId===sku&&q.productName)return q.productName;return sku}
function offerFor(sku,size){return {sku,size,delivery:LOCKERS?['home','locker']:['home']}}
function renderAnswer(){
  const a=st.answer,box=$('answer'),title=$('title'),subtitle=$('subtitle');box.replaceChildren();box.className='';subtitle.textContent='';
  if(st.contact)return renderContact(box,title);
  if(!a){title.textContent=t('idle_title');box.append(el('div','muted',t('waiting')));return}
  if(a.type==='recognised'&&a.item){
    const it=a.item;title.textContent=it.name;
    const tagged=a.via==='tag'?' · '+(a.size?t('tag_size',{size:a.size}):'')+(a.fusion&&a.fusion.camera==='agreed'?' · '+t('camera_agrees'):''):'';
    subtitle.textContent=word('colour',it.colour)+(a.via==='model'?'':a.via==='tag'?tagged:' · '+t('you_picked'));if(a.via==='tag')box.className='tagged';
    box.append(el('h2','',t('your_size')));const sizes=el('div','row');
    const also=new Set(a.suggestions.sizes.map((s)=>s.size));
    for(const s of it.sizes){const b=button(s.size,s.inStock?(also.has(s.size)?t('also_in',{x:s.size}):t('in_store')):t('order_online'),'size'+(s.inStock?'':' out'),()=>send({type:'size_request',productId:it.sku,size:s.size}));b.dataset.size=s.size;if(a.via==='tag'&&a.size===s.size)b.classList.add('on-tag');sizes.append(b)}
    box.append(sizes);
    if(a.suggestions.stockAsOf)box.append(el('div','muted stock-as-of',t('stock_as_of',{t:new Date(a.suggestions.stockAsOf).toLocaleTimeString(lang,{hour:'2-digit',minute:'2-digit'})})));
    const sec=(name,list,cls)=>{if(!list||!list.length)return;box.append(el('h2','',name));
      for(const x of list)box.append(button(x.name||x.size,reasonOf(x),'card suggestion '+cls,()=>send({type:'tap',productId:x.sku})))};
    sec(t('other_colours'),a.suggestions.colours,'colour');sec(t('goes_with_title'),a.suggestions.goesWith,'goes-with');sec(t('similar_title'),a.suggestions.similar,'similar');
  }else if(a.type==='recognised'){title.textContent=a.label;box.append(el('div','muted',t('not_in_store')))}
  else if(a.type==='ask_pick'){title.textContent=t('which_one');
    for(const o of a.options)for(const p of o.products)box.append(button(p.name,o.label,'card option',()=>send({type:'pick',productId:p.sku})));
    if(!a.options.some((o)=>o.products.length))box.append(el('div','muted',t('closer')))}
  else if(a.type==='order_online'){const o=a.offer;
    title.textContent=nameOf(o.sku)+' · '+o.size;box.append(el('div','reason',t(o.delivery.includes('locker')?'offer_reason_lockers':'offer_reason_home',{size:o.size})));const row=el('div','row');
    if(o.delivery.includes('home'))row.append(button(t('deliver_home'),t('order_online'),'primary order',()=>askContact(o,'home')));
    if(o.delivery.includes('locker'))row.append(button(t('collect_locker'),t('collect_locker_sub'),'primary order',()=>askContact(o,'locker')));
    if(st.lastRecognised)row.append(button(t('back'),'','back',()=>{st.answer=st.lastRecognised;renderAnswer()}));
    box.append(row)}
}
/** "order online" promises a message: the shopper says where, with consent, before the order goes out */
function askContact(offer,delivery){st.contact={offer,delivery,channel:'sms',address:'',consent:false,error:''};renderAnswer()}
function renderContact(box,title){
  const c=st.contact;title.textContent=nameOf(c.offer.sku)+' · '+c.offer.size;
  const f=el('form');f.id='contactForm';f.append(el('h2','',t(c.delivery==='locker'?'contact_title_locker':'contact_title_home')));
  const row=el('div','row');
  for(const ch of ['sms','email']){const b=button(t('contact_'+ch),'',ch===c.channel?'primary channel':'channel',()=>{c.channel=ch;c.address='';c.error='';renderAnswer()});b.type='button';b.dataset.channel=ch;row.append(b)}
  f.append(row);
  const input=el('input');input.id='contactAddress';input.type=c.channel==='sms'?'tel':'email';input.placeholder=t(c.channel==='sms'?'contact_phone_placeholder':'contact_email_placeholder');input.value=c.address;input.oninput=()=>{c.address=input.value};
  f.append(input);
  const consent=el('label','consent');const box2=el('input');box2.type='checkbox';box2.id='contactConsent';box2.checked=c.consent;box2.onchange=()=>{c.consent=box2.checked};consent.append(box2,el('span','',t('contact_consent')));f.append(consent);
  if(c.error)f.append(el('div','err',t(c.error)));
  const actions=el('div','row');const go=button(t('contact_send'),'','primary order-send',null);go.type='submit';actions.append(go);
  const back=button(t('back'),'','back',()=>{st.contact=null;renderAnswer()});back.type='button';actions.append(back);f.append(actions);
  f.onsubmit=(e)=>{e.preventDefault();const address=c.address.trim();
    if(!(c.channel==='sms'?PHONE:EMAIL).test(address)){c.error=c.channel==='sms'?'contact_invalid_sms':'contact_invalid_email';return renderAnswer()}
    if(!c.consent){c.error='contact_need_consent';return renderAnswer()}
    st.contact=null;renderAnswer();
    send({type:'order',productId:c.offer.sku,size:c.offer.size,delivery:c.delivery,contact:{channel:c.channel,address,consent:true}})};
  box.append(f);
}
function renderRequests(){const r=$('requests');r.replaceChildren();if(!st.requests.size)return;r.append(el('h2','',t('sizes_asked')));
  for(const q of st.requests.values()){const line=el('div','request row');line.dataset.id=q.id;line.append(el('span','','• '+(q.productName||q.productId)+' '+q.size+': '+t('status.'+q.status)));
    if(q.status==='open'||q.status==='claimed'){const b=button(t('cancel'),'','cancel-request',()=>send({type:'cancel',requestId:q.id}));line.append(b)}
    if(q.status==='unavailable')line.append(button(t('order_online'),'','order-instead',()=>{st.answer={type:'order_online',offer:offerFor(q.productId,q.size)};renderAnswer()}));
    r.append(line)}}
function apply(c){
  if(c.type==='recognised'){st.answer=c;if(c.item){st.item=c.item;st.lastRecognised=c}notice(null)}
  else if(c.type==='ask_pick'||c.type==='order_online'){st.answer=c;notice(null)}
  else if(c.type==='size_request'){const old=st.requests.get(c.id);const name=old?.productName||nameOf(c.productId);
    st.requests.set(c.id,{...old,id:c.id,productId:c.productId,productName:name,size:c.size,status:c.status});
    if(c.status==='open'&&!old)notice(['thanks',{name,size:c.size}]);
    else if(c.status==='unavailable')notice(['unavailable_notice',{name,size:c.size}]);
    else if(c.status==='cancelled'&&old&&old.status!=='cancelled')notice(['cancelled_notice',{name,size:c.size}])}
  else if(c.type==='item_ended'){if(!st.item||st.item.sku!==c.sku)return;const name=st.item.name;st.answer=null;st.item=null;st.lastRecognised=null;notice(['item_left',{name}])}
  else if(c.type==='order'){notice([c.delivery==='locker'?'ordered_locker':'ordered_home',{name:nameOf(c.productId),size:c.size}]);
    if(st.lastRecognised)st.answer=st.lastRecognised}
  else if(c.type==='session'&&c.status==='closed'){st.answer=null;st.item=null;st.lastRecognised=null;st.requests.clear();st.contact=null;notice(null);
    // the next shopper starts in the store's language
    if(lang!==STORE_LANG)return setLang(STORE_LANG)}
  else if(c.type==='error'){notice(c.reason==='no_object'||c.reason==='not_an_image'||c.reason==='corrupt'?['hold_again']:['error.'+c.reason])}
  else return;
  renderAnswer();renderRequests();
}
function setState(s){st.answer=s.answer;if(s.answer&&s.answer.type==='recognised'&&s.answer.item){st.item=s.answer.item;st.lastRecognised=s.answer}
  st.requests=new Map(s.sizeRequests.map((q)=>[q.id,q]));renderAnswer();renderRequests()}
function online(on){st.online=on;const s=$('status');s.className=on?'on':'off';s.textContent=t(on?'status_live':'status_offline')}
function needKey(msg){$('app').hidden=true;$('setup').hidden=false;$('setupError').textContent=msg||'';online(false);stop=true}
function setLang(l){lang=l;document.documentElement.lang=l;
  for(const e of document.querySelectorAll('[data-t]'))e.textContent=t(e.dataset.t);
  const box=$('langs');box.replaceChildren();
  for(const k of Object.keys(MESSAGES)){const b=el('button',k===lang?'on':'',MESSAGES[k].lang_name);b.dataset.lang=k;b.onclick=()=>setLang(k);box.append(b)}
  $('status').textContent=t(st.online?'status_live':'status_connecting');notice(st.notice);renderAnswer();renderRequests()}
let stop=false;
async function stream(){
  stop=false;$('app').hidden=false;$('setup').hidden=true;
  while(!stop){
    try{const res=await fetch(base+'/events',{headers:auth(),cache:'no-store'});
      if(res.status===401||res.status===403)return needKey(Object.keys(auth()).length?t('key_refused'):'');
      if(!res.ok||!res.body)throw new Error(String(res.status));
      online(true);const reader=res.body.pipeThrough(new TextDecoderStream()).getReader();let buf='';
      for(;;){const {value,done}=await reader.read();if(done)break;buf+=value;let i;
        while((i=buf.indexOf('\n\n'))>=0){const block=buf.slice(0,i);buf=buf.slice(i+2);let ev='message',data='';
          for(const line of block.split('\n')){if(line.startsWith('event: '))ev=line.slice(7);else if(line.startsWith('data: '))data+=line.slice(6)}
          if(!data)continue;const msg=JSON.parse(data);if(ev==='state')setState(msg);else if(ev==='cmd')apply(msg)}}
    }catch{}
    online(false);await new Promise((r)=>setTimeout(r,2000));
  }
}
$('keyForm').onsubmit=(e)=>{e.preventDefault();localStorage.setItem(KEY,$('key').value.trim());$('key').value='';stream()};
setLang(STORE_LANG);
if(Object.keys(auth()).length)stream();else needKey('');
`;
