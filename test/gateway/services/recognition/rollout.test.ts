import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../../../../gateway/services/recognition/index.ts';
import { metricValue, nextEvent, tempDir, until } from '../../../helpers/gateway.ts';
import {
  admin,
  announce,
  announcement,
  CENTROID,
  CENTROID_FAILING,
  CENTROID_UNSURE,
  frame,
  LABELS,
  modelServer,
  outboxTypes,
  pem,
  recognise,
  rolloutGateway,
  SHIPPED,
  SHIPPED_TWIN,
  signingKeys,
} from './rollout-helpers.ts';

const SHIPPED_SHA = sha256Hex(SHIPPED);
const CENTROID_SHA = sha256Hex(CENTROID);

describe('model rollout with the real onnxruntime and a real HTTP server', () => {
  it('fetches an announced model over a cut transfer (resumed with Range), verifies it, and runs it as the shadow: never answering, its agreement counted', async () => {
    const keys = signingKeys();
    const server = await modelServer({ '/m/centroid.onnx': CENTROID }, { cutFirst: true });
    const gw = await rolloutGateway({ publicKey: pem(keys.publicKey) });
    const e = await announce(gw, announcement(keys.privateKey, `${server.url('/m/centroid.onnx')}?token=abc`, CENTROID, '2026.12.1'));
    expect(e.type).toBe('recognition.model.shadowed');
    expect(e.data).toMatchObject({ sha256: CENTROID_SHA, version: '2026.12.1', live: { sha256: SHIPPED_SHA } });
    // the first transfer was cut halfway; the second asked for the rest and got a 206
    const half = Math.floor(CENTROID.length / 2);
    expect(server.requests.map((r) => [r.range, r.status])).toEqual([
      [undefined, 200],
      [`bytes=${half}-`, 206],
    ]);
    const types = (await outboxTypes(gw)).map((r) => r.type);
    expect(types).toEqual(['recognition.model.announced', 'recognition.model.fetched', 'recognition.model.shadowed']);
    const fetched = JSON.parse((await outboxTypes(gw))[1]!.body) as { data: { resumedFrom: number[]; attempts: number; bytes: number } };
    expect(fetched.data).toMatchObject({ resumedFrom: [half], attempts: 2, bytes: CENTROID.length });
    // the URL's query (a token) never leaves the store
    expect(JSON.stringify(await outboxTypes(gw))).not.toContain('token=abc');

    const status = (await admin(gw, 'GET', '/api/v1/recognition/models')).body;
    expect(status.live).toMatchObject({ sha256: SHIPPED_SHA, version: null, origin: 'config' });
    expect(status.shadow).toMatchObject({ sha256: CENTROID_SHA, version: '2026.12.1', origin: 'rollout' });
    expect(existsSync(join(gw.dataDir, 'models', `${CENTROID_SHA}.onnx`))).toBe(true);

    // 30 frames: every answer is the live model's; the shadow ran on each one and its agreement was counted
    const reports = nextEvent(gw, 'recognition.shadow.agreement', () => true, 20_000);
    for (let i = 0; i < 30; i++) {
      const r = await recognise(gw, await frame(i));
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ modelSha256: SHIPPED_SHA, modelVersion: null });
    }
    const counted = async () =>
      (await metricValue(gw, 'storegate_recognition_shadow_frames_total', { outcome: 'agree' })) +
      (await metricValue(gw, 'storegate_recognition_shadow_frames_total', { outcome: 'disagree' }));
    await until(async () => (await counted()) === 30, 10_000, '30 shadow comparisons');
    const agree = await metricValue(gw, 'storegate_recognition_shadow_frames_total', { outcome: 'agree' });
    // a nearest-centroid classifier (67 % on t10k) and the CNN (93 %) agree on most frames, not all
    expect(agree).toBeGreaterThan(10);
    expect(agree).toBeLessThan(30);
    expect(await metricValue(gw, 'storegate_recognition_shadow_agreement_ratio')).toBeCloseTo(agree / 30, 5);
    const report = await reports;
    expect(report.data).toMatchObject({ shadow: { sha256: CENTROID_SHA }, live: { sha256: SHIPPED_SHA }, frames: 10 });
    const metrics = await (await fetch(`http://127.0.0.1:${gw.ports.http}/metrics`)).text();
    expect(metrics).toContain(
      `storegate_recognition_model_info{slot="shadow",model_id="product-cnn-${CENTROID_SHA.slice(0, 12)}",sha256="${CENTROID_SHA}",version="2026.12.1"} 1`,
    );
  });

  it('promotes on model.promote.requested, keeps the promoted model across a restart, and rolls back on model.rollback.requested', async () => {
    const keys = signingKeys();
    const server = await modelServer({ '/centroid.onnx': CENTROID });
    const dataDir = tempDir();
    const gw = await rolloutGateway({ publicKey: pem(keys.publicKey), dataDir, keep: true });
    expect((await announce(gw, announcement(keys.privateKey, server.url('/centroid.onnx'), CENTROID, 'v2'))).type).toBe('recognition.model.shadowed');
    const promoted = nextEvent(gw, 'recognition.model.promoted');
    gw.bus.emit(gw.bus.make('model.promote.requested', 'test/downlink', { by: 'head-office', sha256: CENTROID_SHA }));
    expect((await promoted).data).toMatchObject({
      reason: 'command',
      by: 'head-office',
      from: { sha256: SHIPPED_SHA },
      to: { sha256: CENTROID_SHA, version: 'v2' },
    });
    expect((await recognise(gw, await frame(0))).body).toMatchObject({ modelSha256: CENTROID_SHA, modelVersion: 'v2' });
    await gw.stopGateway();

    const again = await rolloutGateway({ publicKey: pem(keys.publicKey), dataDir });
    const s = (await admin(again, 'GET', '/api/v1/recognition/models')).body;
    expect(s.live).toMatchObject({ sha256: CENTROID_SHA, version: 'v2', origin: 'rollout' });
    expect(s.previous).toMatchObject({ sha256: SHIPPED_SHA, origin: 'config' });
    expect(s.shadow).toBeNull();
    expect((await recognise(again, await frame(1))).body).toMatchObject({ modelSha256: CENTROID_SHA });

    const rolledBack = nextEvent(again, 'recognition.model.rolled_back');
    again.bus.emit(again.bus.make('model.rollback.requested', 'test/downlink', { by: 'support' }));
    expect((await rolledBack).data).toMatchObject({ reason: 'command', by: 'support', from: { sha256: CENTROID_SHA }, to: { sha256: SHIPPED_SHA } });
    expect((await recognise(again, await frame(2))).body).toMatchObject({ modelSha256: SHIPPED_SHA, modelVersion: null });
    const types = (await outboxTypes(again)).map((r) => r.type);
    expect(types).toContain('recognition.model.promoted');
    expect(types).toContain('recognition.model.rolled_back');
    // nothing to roll back to any more: refused over the admin API, nothing changes
    const none = await admin(again, 'POST', '/api/v1/recognition/models/rollback');
    expect(none.status).toBe(409);
    expect((await admin(again, 'GET', '/api/v1/recognition/models')).body.live).toMatchObject({ sha256: SHIPPED_SHA });
  });

  it('promotes a shadow by itself once it agrees on enough frames (the shipped weights under another hash)', async () => {
    const keys = signingKeys();
    const server = await modelServer({ '/twin.onnx': SHIPPED_TWIN });
    const gw = await rolloutGateway({
      publicKey: pem(keys.publicKey),
      rollout: { promote: { auto: true, minFrames: 12, agreement: 0.95, maxUnsureRate: 0.5 } },
    });
    expect((await announce(gw, announcement(keys.privateKey, server.url('/twin.onnx'), SHIPPED_TWIN, 'v-twin'))).type).toBe('recognition.model.shadowed');
    const promoted = nextEvent(gw, 'recognition.model.promoted', () => true, 20_000);
    for (let i = 0; i < 12; i++) expect((await recognise(gw, await frame(i))).body.modelSha256).toBe(SHIPPED_SHA);
    const e = await promoted;
    expect(e.data).toMatchObject({ reason: 'agreement', by: 'gateway', agreement: 1, shadowFrames: 12, to: { sha256: sha256Hex(SHIPPED_TWIN) } });
    await until(async () => (await recognise(gw, await frame(20))).body.modelSha256 === sha256Hex(SHIPPED_TWIN), 5000, 'twin answering');
  });

  it('rolls a promoted model back by itself when its unsure rate alarms, raises an alert, and records it in the history', async () => {
    const keys = signingKeys();
    const server = await modelServer({ '/unsure.onnx': CENTROID_UNSURE });
    const gw = await rolloutGateway({
      publicKey: pem(keys.publicKey),
      rollout: { rollback: { auto: true, watchFrames: 50, minFrames: 5, maxUnsureRate: 0.4, maxErrorRate: 0.05 } },
    });
    expect((await announce(gw, announcement(keys.privateKey, server.url('/unsure.onnx'), CENTROID_UNSURE, 'v3'))).type).toBe('recognition.model.shadowed');
    const p = await admin(gw, 'POST', '/api/v1/recognition/models/promote', { sha256: sha256Hex(CENTROID_UNSURE) });
    expect(p.status).toBe(200);
    const rolledBack = nextEvent(gw, 'recognition.model.rolled_back', () => true, 20_000);
    const alert = nextEvent(gw, 'alert.raised', (e) => (e.data as { key: string }).key.startsWith('recognition:model:'), 20_000);
    for (let i = 0; i < 5; i++) expect((await recognise(gw, await frame(i))).body).toMatchObject({ unsure: true, modelVersion: 'v3' });
    expect((await rolledBack).data).toMatchObject({ reason: 'unsure_rate', by: 'gateway', frames: 5, unsureRate: 1, to: { sha256: SHIPPED_SHA } });
    expect((await alert).data).toMatchObject({ severity: 'warning' });
    expect((await recognise(gw, await frame(6))).body.modelSha256).toBe(SHIPPED_SHA);
    const s = (await admin(gw, 'GET', '/api/v1/recognition/models')).body;
    expect(s.history.map((h) => h.action).slice(0, 3)).toEqual(['rolled_back', 'promoted', 'shadowed']);
  });

  it('rolls a promoted model back by itself when its error rate alarms (a model that loads but fails on real frames)', async () => {
    const keys = signingKeys();
    const server = await modelServer({ '/failing.onnx': CENTROID_FAILING });
    const gw = await rolloutGateway({
      publicKey: pem(keys.publicKey),
      rollout: { rollback: { auto: true, watchFrames: 50, minFrames: 3, maxUnsureRate: 0.4, maxErrorRate: 0.05 } },
    });
    expect((await announce(gw, announcement(keys.privateKey, server.url('/failing.onnx'), CENTROID_FAILING, 'v4'))).type).toBe('recognition.model.shadowed');
    expect(await metricValue(gw, 'storegate_recognition_model_errors_total', { slot: 'shadow' })).toBe(0);
    // as the shadow it already fails on every frame, without the shopper noticing
    expect((await recognise(gw, await frame(0))).body.modelSha256).toBe(SHIPPED_SHA);
    await until(async () => (await metricValue(gw, 'storegate_recognition_model_errors_total', { slot: 'shadow' })) === 1, 5000, 'shadow error counted');
    expect((await admin(gw, 'POST', '/api/v1/recognition/models/promote')).status).toBe(200);
    const rolledBack = nextEvent(gw, 'recognition.model.rolled_back', () => true, 20_000);
    for (let i = 0; i < 3; i++) expect((await recognise(gw, await frame(i))).status).toBe(500);
    expect((await rolledBack).data).toMatchObject({ reason: 'error_rate', frames: 3, errorRate: 1, to: { sha256: SHIPPED_SHA } });
    expect((await recognise(gw, await frame(4))).body).toMatchObject({ modelSha256: SHIPPED_SHA });
    expect(await metricValue(gw, 'storegate_recognition_model_errors_total', { slot: 'live' })).toBe(3);
  });

  it('refuses a bad signature, a re-labelled model, a wrong hash and a file onnxruntime cannot load: logged, counted, reported upstream, nothing changes', async () => {
    const keys = signingKeys();
    const other = signingKeys();
    const junk = randomBytes(4096);
    const server = await modelServer({ '/c.onnx': CENTROID, '/u.onnx': CENTROID_UNSURE, '/junk.onnx': junk });
    const gw = await rolloutGateway({ publicKey: pem(keys.publicKey) });
    const before = (await admin(gw, 'GET', '/api/v1/recognition/models')).body;
    const relabelled = [...LABELS].reverse();
    const cases: Array<[string, unknown]> = [
      ['bad_signature', announcement(other.privateKey, server.url('/c.onnx'), CENTROID, 'v1')],
      ['bad_signature', { ...announcement(keys.privateKey, server.url('/c.onnx'), CENTROID, 'v1'), version: 'v9' }],
      ['wrong_labels', announcement(keys.privateKey, server.url('/c.onnx'), CENTROID, 'v1', relabelled)],
      // signed for the centroid model's hash, but the server hands out another file
      ['bad_hash', { ...announcement(keys.privateKey, server.url('/u.onnx'), CENTROID, 'v1') }],
      ['not_loadable', announcement(keys.privateKey, server.url('/junk.onnx'), junk, 'v1')],
      ['fetch_failed', announcement(keys.privateKey, server.url('/missing.onnx'), CENTROID, 'v1')],
      ['invalid', { version: 'v1', url: 'ftp://x', sha256: 'nothex', signature: '', labels: [] }],
      ['already_installed', announcement(keys.privateKey, server.url('/c.onnx'), SHIPPED, 'v0')],
    ];
    for (const [reason, data] of cases) {
      const e = await announce(gw, data);
      expect([e.type, (e.data as { reason: string }).reason]).toEqual(['recognition.model.refused', reason]);
      expect(await metricValue(gw, 'storegate_recognition_rollout_refused_total', { reason })).toBeGreaterThan(0);
    }
    // the wrong-hash transfer was a whole file: it was not kept, the junk neither
    expect(existsSync(join(gw.dataDir, 'models', `${CENTROID_SHA}.part`))).toBe(false);
    expect(existsSync(join(gw.dataDir, 'models', `${CENTROID_SHA}.onnx`))).toBe(false);
    const after = (await admin(gw, 'GET', '/api/v1/recognition/models')).body;
    expect(after.live).toEqual(before.live);
    expect(after.shadow).toBeNull();
    const refusedRows = (await outboxTypes(gw)).filter((r) => r.type.endsWith('recognition.model.refused'));
    expect(refusedRows.map((r) => (JSON.parse(r.body) as { data: { reason: string } }).data.reason)).toEqual(cases.map(([reason]) => reason));
    const warned = gw.logs.parsed().filter((l) => l.msg === 'model announcement refused');
    expect(warned.map((l) => l.reason)).toEqual(cases.map(([reason]) => reason));
    expect((await recognise(gw, await frame(0))).body.modelSha256).toBe(SHIPPED_SHA);
  });

  it('refuses every announcement when no model-signing key is pinned', async () => {
    const keys = signingKeys();
    const server = await modelServer({ '/c.onnx': CENTROID });
    const gw = await rolloutGateway({});
    const e = await announce(gw, { ...announcement(keys.privateKey, server.url('/c.onnx'), CENTROID, 'v1') });
    expect(e.data).toMatchObject({ reason: 'no_public_key' });
    expect(server.requests).toHaveLength(0);
    expect((await admin(gw, 'GET', '/api/v1/recognition/models')).body.shadow).toBeNull();
  });
});
