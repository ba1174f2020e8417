/**
 * The dashboard shell. It carries no data and never the token: the page logs in by itself (the token is
 * kept in localStorage and the `sg_token` cookie, which the live stream uses) and loads everything else
 * from the admin API. Plain HTML, vanilla JS modules and uPlot, all served by the gateway.
 */
export const dashboardPage = () => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>storegate · store IT</title>
<link rel="stylesheet" href="/dashboard/vendor/uplot.css"><link rel="stylesheet" href="/dashboard/app.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header>
  <strong>storegate</strong> <span id="storeId"></span>
  <nav id="nav" aria-label="Sections" hidden>
    <a href="#overview">Overview</a><a href="#alertsSection">Alerts <span id="alertBadge" class="badge" aria-label="alerts needing attention"></span></a><a href="#devicesSection">Devices</a>
    <a href="#zonesSection">Zones</a><a href="#fittingSection">Fitting rooms</a><a href="#lockersSection">Lockers</a><a href="#modelSection">Model</a><a href="#cloudSection">Cloud</a><a href="#downlinkSection">Stock &amp; downlink</a><a href="#staffSection">Staff</a>
  </nav>
  <span id="who" class="muted"></span>
  <span id="live" class="pill" role="status" aria-live="polite"></span>
  <button id="logout" class="secondary" hidden>Log out</button>
</header>
<main id="main" tabindex="-1">
<section id="login" aria-labelledby="loginTitle">
  <h1 id="loginTitle">Store IT login</h1>
  <form id="personForm"><label for="personLogin">Login</label>
  <input id="personLogin" autocomplete="username" autocapitalize="none" required>
  <label for="personPin">PIN</label>
  <input id="personPin" type="password" autocomplete="current-password" required>
  <button type="submit">Log in</button></form>
  <p class="muted">or with the admin token:</p>
  <form id="loginForm"><label for="token">Admin token</label>
  <input id="token" type="password" autocomplete="current-password" required>
  <button type="submit">Log in</button></form>
  <p id="loginError" class="err" role="alert"></p>
</section>
<div id="app" hidden>
<p id="actionResult" class="result" role="status" aria-live="polite"></p>
<section id="overview" aria-labelledby="ovTitle"><h2 id="ovTitle">Overview</h2>
  <div class="cards">
    <div class="card"><span class="big" id="ovOnline">–</span> online <span class="muted">/ <span id="ovTotal">–</span> devices</span><div id="ovKinds" class="muted"></div></div>
    <div class="card"><span class="big" id="ovAlerts">–</span> open alerts<div id="ovCritical" class="muted"></div></div>
    <div class="card"><span class="big" id="ovRate">–</span> msg/s ingest<div class="muted"><span id="ovIngestTotal">–</span> since start</div></div>
    <div class="card"><span class="big" id="ovBacklog">–</span> events in outbox<div id="ovCloud" class="muted"></div></div>
  </div>
  <div class="charts">
    <figure><figcaption>Ingest (msg/s), last hour</figcaption><div id="chartIngest"></div></figure>
    <figure><figcaption>Outbox backlog (events)</figcaption><div id="chartBacklog"></div></figure>
    <figure><figcaption>Shoppers per zone</figcaption><div id="chartZones"></div></figure>
  </div>
</section>
<section id="alertsSection" aria-labelledby="alTitle"><h2 id="alTitle">Alerts</h2>
  <p class="row"><label>Mute for <select id="muteMinutes"><option value="15">15 min</option><option value="60" selected>1 hour</option><option value="240">4 hours</option><option value="1440">1 day</option></select></label>
  <span class="muted">Muted alerts are still recorded and resolve by themselves; they do not raise the badge, and the cloud gets them marked muted.</span></p>
  <ul id="mutes" class="mutes"></ul>
  <ul id="alerts" class="alerts"></ul>
  <details><summary>Recently resolved</summary><ul id="resolved" class="alerts"></ul></details>
</section>
<section id="devicesSection" aria-labelledby="devTitle"><h2 id="devTitle">Devices</h2>
  <form id="addForm" class="row">
    <label>Id <input id="addId" required pattern="[A-Za-z0-9][A-Za-z0-9_.\\-]{0,63}"></label>
    <label>Kind <input id="addKind" required pattern="[a-z][a-z0-9\\-]{0,31}" list="kinds"></label>
    <datalist id="kinds"><option value="locker"><option value="scanner"><option value="mirror"><option value="beacon"></datalist>
    <label>Zone <input id="addZone"></label>
    <button type="submit">Add device</button>
  </form>
  <div id="secretBox" class="secret" hidden role="alert"><p>Secret for <b id="secretFor"></b> — shown once, copy it now:</p>
    <code id="secret"></code> <button id="secretDone" type="button">Done</button></div>
  <table class="devices"><caption class="sr">Devices</caption>
    <thead><tr><th scope="col">Device</th><th scope="col">Kind</th><th scope="col">Zone</th><th scope="col">State</th><th scope="col">Last seen</th>
    <th scope="col">Firmware</th><th scope="col">Battery</th><th scope="col">RSSI</th><th scope="col">Actions</th></tr></thead>
    <tbody id="devices"></tbody></table>
  <div id="logBox" hidden><h3>Messages from <span id="logFor"></span> <button id="logClose" type="button" class="secondary">Close</button></h3>
    <ol id="log" class="log"></ol></div>
</section>
<section id="zonesSection" aria-labelledby="zTitle"><h2 id="zTitle">Zones</h2><div id="zones" class="grid"></div><div id="beacons" class="muted"></div><p><button type="button" id="restartScan">Restart BLE scanning</button></p></section>
<section id="fittingSection" aria-labelledby="fTitle"><h2 id="fTitle">Fitting rooms</h2><div id="fitting" class="grid"></div><div id="sizeRequests"></div></section>
<section id="lockersSection" aria-labelledby="lkTitle"><h2 id="lkTitle">Lockers</h2><div id="lockers" class="grid"></div>
  <h3>Return offers</h3><table id="offerConversion" aria-label="return offers: shown, accepted, redeemed"></table>
  <h3>Door audit</h3><ol id="lockerAudit" class="log"></ol></section>
<section id="modelSection" aria-labelledby="mTitle"><h2 id="mTitle">Model</h2><div id="model"></div></section>
<section id="cloudSection" aria-labelledby="cTitle"><h2 id="cTitle">Cloud</h2><div id="cloud"></div></section>
<section id="downlinkSection" aria-labelledby="dlTitle"><h2 id="dlTitle">Stock &amp; downlink</h2><div id="downlink"></div></section>
<section id="staffSection" aria-labelledby="sTitle"><h2 id="sTitle">Staff</h2>
  <form id="staffForm" class="row">
    <label>Login <input id="staffNewLogin" required pattern="[a-z0-9][a-z0-9._-]{1,31}"></label>
    <label>Name <input id="staffNewName" required maxlength="80"></label>
    <label>Role <select id="staffNewRole"><option value="fitting">fitting room</option><option value="fulfilment">fulfilment</option><option value="admin">store IT</option></select></label>
    <button type="submit">Add person</button>
  </form>
  <div id="pinBox" class="secret" hidden role="alert"><p>PIN for <b id="pinFor"></b> — shown once, give it to them now:</p>
    <code id="pin"></code> <button id="pinDone" type="button">Done</button></div>
  <table><caption class="sr">Staff accounts</caption><thead><tr><th scope="col">Login</th><th scope="col">Name</th><th scope="col">Role</th><th scope="col">State</th><th scope="col">Actions</th></tr></thead>
  <tbody id="staff"></tbody></table>
</section>
</div>
</main>
<script src="/dashboard/vendor/uplot.js"></script>
<script type="module" src="/dashboard/app.js"></script>
</body></html>`;
