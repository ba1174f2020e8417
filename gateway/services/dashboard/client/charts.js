import { $ } from './core.js';

// Small uPlot charts (served from the gateway; the store may be offline). One sample every 10 s, one hour.
const WIDTH = 380;
const HEIGHT = 150;
let samples = [];
let charts = {};
let zoneNames = [];
const COLORS = ['#1d3557', '#e76f51', '#2a9d8f', '#e9c46a', '#6a4c93', '#8d99ae'];

export function loadSeries(list) {
  samples = list.slice(-360);
}

function make(el, series, data) {
  $(el).innerHTML = '';
  const opts = {
    width: WIDTH,
    height: HEIGHT,
    legend: { show: series.length > 1 },
    scales: { x: { time: true, range: (_u, _min, max) => [(max ?? Date.now() / 1000) - 3600, max ?? Date.now() / 1000] } },
    series: [{}, ...series],
  };
  return new window.uPlot(opts, data, $(el));
}

function zoneData() {
  return [samples.map((s) => s.t / 1000), ...zoneNames.map((z) => samples.map((s) => s.zones[z] ?? 0))];
}

function build() {
  const t = samples.map((s) => s.t / 1000);
  zoneNames = [...new Set(samples.flatMap((s) => Object.keys(s.zones)))].sort();
  charts = {
    ingest: make('chartIngest', [{ label: 'msg/s', stroke: COLORS[0], width: 2 }], [t, samples.map((s) => s.ingestRate)]),
    backlog: make('chartBacklog', [{ label: 'events', stroke: COLORS[1], width: 2 }], [t, samples.map((s) => s.backlog)]),
    zones: make(
      'chartZones',
      zoneNames.map((z, i) => ({ label: z, stroke: COLORS[i % COLORS.length], width: 2 })),
      zoneData(),
    ),
  };
}

export function initCharts() {
  if (!window.uPlot) return;
  build();
}

export function pushSample(s) {
  samples.push(s);
  if (samples.length > 360) samples.shift();
  if (!window.uPlot) return;
  const zonesNow = [...new Set(samples.flatMap((x) => Object.keys(x.zones)))].sort();
  if (zonesNow.join() !== zoneNames.join()) return build();
  const t = samples.map((x) => x.t / 1000);
  charts.ingest.setData([t, samples.map((x) => x.ingestRate)]);
  charts.backlog.setData([t, samples.map((x) => x.backlog)]);
  charts.zones.setData(zoneData());
}
