import type { KeyObject } from 'node:crypto';
import { gatewaySource } from '../../../devices/topics.ts';
import type { EventMap, EventType } from '../../bus/events.ts';
import { Errors } from '../../errors.ts';
import { counter } from '../../metrics.ts';
import type { ServiceDeps } from '../../service.ts';
import type { Db } from '../../store/db.ts';
import type { RecognitionConfig } from './config.ts';
import { installAnnounced, Refusal, safeUrl } from './model-install.ts';
import type { ModelRef, RefusalReason } from './model-events.ts';
import { parsePublicKey } from './model-signature.ts';
import { addHistory, readHistory, readSlots, type SlotRow, setSlot, specOf, retiredShas } from './model-store.ts';
import { loadModel } from './model.ts';
import type { RecognitionService } from './service.ts';
import type { FrameOutcome, ModelInfo } from './slots.ts';
import './model-events.ts';

const ref = (m: Pick<ModelInfo, 'id' | 'sha256' | 'version'>): ModelRef => ({ modelId: m.id, sha256: m.sha256, version: m.version });

/**
 * Model operations on top of the recognition service: rollouts the cloud announces (fetch → verify → shadow), the
 * shadow's agreement reports, promotion (on command or when agreement passes the bar) and rollback (on command or when
 * a promoted model's unsure or error rate alarms). Every change is one unit of work: the slots in SQLite, a history
 * row and the event to the cloud commit together; the in-memory swap follows after COMMIT. One operation at a time.
 */
export function createModelOps(deps: ServiceDeps, cfg: RecognitionConfig, o: { dataDir: string; recognition: RecognitionService }) {
  const { recognition } = o;
  const rc = cfg.rollout;
  const log = deps.log.child({ module: 'model-ops' });
  const source = gatewaySource(deps.storeId, 'recognition');
  let key: KeyObject | null = null;
  if (rc.publicKey) {
    try {
      key = parsePublicKey(rc.publicKey);
    } catch (err) {
      throw new Error(`recognition.rollout.publicKey: ${(err as Error).message}`);
    }
  }
  const refused = counter(deps.metrics, 'storegate_recognition_rollout_refused_total', 'Model announcements refused, by reason', ['reason']);
  const steps = counter(deps.metrics, 'storegate_recognition_rollout_steps_total', 'Model rollout steps taken, by step', ['step']);
  const delay = (ms: number) => new Promise<void>((r) => void deps.clock.setTimeout(r, ms));
  let chain: Promise<unknown> = Promise.resolve();
  /** one operation at a time, in arrival order; a failed one does not stop the next */
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = chain.then(fn, fn);
    chain = p.catch(() => {});
    return p;
  };
  const shadowTally = { sha: '', frames: 0, agreed: 0, unsure: 0, errors: 0, reported: 0 };
  let watch: { sha: string; frames: number; unsure: number; errors: number } | null = null;
  let retired = new Set<string>();
  let pendingAuto = false;

  const emitIn = <T extends EventType>(w: { emit(e: ReturnType<typeof deps.bus.make>): void }, type: T, data: EventMap[T]) =>
    w.emit(deps.bus.make(type, source, data));
  const history = (tx: Db, action: string, m: { sha256: string | null; version: string | null }, reason: string | null, detail: unknown = null) =>
    addHistory(tx, { at: deps.clock.now(), action, sha256: m.sha256, version: m.version, reason, detail: detail === null ? null : JSON.stringify(detail) });
  const rowOf = (m: ModelInfo, spec: { modelPath: string; labelsPath: string }): Omit<SlotRow, 'slot'> => ({
    sha256: m.sha256,
    version: m.version,
    origin: m.origin,
    model_path: spec.modelPath,
    labels_path: spec.labelsPath,
    since: deps.clock.now(),
  });

  async function refuse(a: Record<string, unknown>, reason: RefusalReason, detail: string) {
    refused.inc({ reason });
    log.warn({ reason, detail, version: a.version ?? null, sha256: a.sha256 ?? null }, 'model announcement refused');
    const m = { version: typeof a.version === 'string' ? a.version : null, sha256: typeof a.sha256 === 'string' ? a.sha256 : null };
    await deps.work.run(async (w) => {
      await history(w.tx, 'refused', m, reason, detail);
      emitIn(w, 'recognition.model.refused', { ...m, reason, detail });
    });
  }

  /** a store without mirrors loads the model with the first frame: an operation on the models loads it now */
  async function loaded() {
    if (!recognition.status().live) await recognition.start().catch((err) => log.error({ err: (err as Error).message }, 'recognition model failed to load'));
    return recognition.status();
  }

  async function announce(raw: unknown) {
    const a = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
    const s = await loaded();
    await deps.work.run(async (w) => {
      emitIn(w, 'recognition.model.announced', {
        version: typeof a.version === 'string' ? a.version : null,
        sha256: typeof a.sha256 === 'string' ? a.sha256 : null,
        url: safeUrl(a.url),
      });
    });
    steps.inc({ step: 'announced' });
    if (!s.live) return refuse(a, 'unavailable', 'recognition is not running: no live model to compare with');
    try {
      const got = await installAnnounced(raw, {
        key,
        liveLabels: s.live.labels,
        installed: [s.live.sha256, s.shadow?.sha256].filter((x): x is string => !!x),
        dataDir: o.dataDir,
        cfg: rc,
        delay,
        onRetry: (attempt, err) => log.warn({ attempt, err: err.message, url: safeUrl(a.url) }, 'model transfer cut: resuming'),
      });
      const info: ModelInfo = { id: got.model.id, sha256: got.model.sha256, version: got.spec.version, origin: 'rollout', labels: got.model.labels };
      const live = recognition.status().live ?? s.live;
      await deps.work.run(async (w) => {
        await setSlot(w.tx, 'shadow', rowOf(info, got.spec));
        await history(w.tx, 'shadowed', info, 'announced', { bytes: got.fetched.bytes, attempts: got.fetched.attempts });
        emitIn(w, 'recognition.model.fetched', got.fetched);
        emitIn(w, 'recognition.model.shadowed', { ...ref(info), live: ref(live) });
        w.after(() => recognition.setShadow(got.model, got.spec));
      });
      steps.inc({ step: 'shadowed' });
      log.info(
        { modelId: info.id, version: info.version, bytes: got.fetched.bytes, attempts: got.fetched.attempts },
        'announced model installed as the shadow',
      );
    } catch (err) {
      if (err instanceof Refusal) return refuse(a, err.reason, err.message);
      throw err;
    }
  }

  async function promote(reason: 'command' | 'agreement', by: string, expectSha?: string) {
    const s = await loaded();
    if (!s.live || !s.shadow) throw new Errors.conflict('there is no shadow model to promote');
    if (expectSha && expectSha !== s.shadow.sha256) throw new Errors.conflict(`the shadow model is ${s.shadow.sha256}, not ${expectSha}`);
    const [live, shadow] = [s.live, s.shadow];
    const shadowSpec = recognition.specs().shadow;
    if (!shadowSpec) throw new Errors.conflict('there is no shadow model to promote');
    const liveSpec = recognition.specs().live ?? { modelPath: cfg.modelPath, labelsPath: cfg.labelsPath };
    const next = await loadModel(shadowSpec.modelPath, shadowSpec.labelsPath);
    const data = { from: ref(live), to: ref(shadow), reason, by, agreement: shadow.agreement ?? null, shadowFrames: shadow.shadowFrames ?? 0 };
    await deps.work.run(async (w) => {
      await setSlot(w.tx, 'previous', rowOf(live, liveSpec));
      await setSlot(w.tx, 'live', rowOf(shadow, shadowSpec));
      await setSlot(w.tx, 'shadow', null);
      await history(w.tx, 'promoted', shadow, reason, { by, from: live.sha256, agreement: data.agreement, shadowFrames: data.shadowFrames });
      emitIn(w, 'recognition.model.promoted', data);
      w.after(() => {
        recognition.setLive(next, shadowSpec);
        recognition.setShadow(null);
        watch = { sha: shadow.sha256, frames: 0, unsure: 0, errors: 0 };
      });
    });
    steps.inc({ step: 'promoted' });
    log.info({ from: live.id, to: shadow.id, reason, by }, 'shadow model promoted to live');
    return data;
  }

  async function rollback(reason: 'command' | 'unsure_rate' | 'error_rate', by: string) {
    const s = await loaded();
    const slots = await readSlots(deps.db);
    if (!s.live || !slots.previous) throw new Errors.conflict('there is no previous model to roll back to');
    const prev = slots.previous;
    const back = await loadModel(prev.model_path, prev.labels_path);
    const w0 = watch?.sha === s.live.sha256 ? watch : null;
    const rate = (n: number) => (w0?.frames ? n / w0.frames : null);
    const data = {
      from: ref(s.live),
      to: { modelId: back.id, sha256: back.sha256, version: prev.version },
      reason,
      by,
      frames: w0?.frames ?? 0,
      unsureRate: rate(w0?.unsure ?? 0),
      errorRate: rate(w0?.errors ?? 0),
    };
    const from = s.live;
    await deps.work.run(async (w) => {
      const { slot: _s, ...row } = prev;
      await setSlot(w.tx, 'live', { ...row, since: deps.clock.now() });
      await setSlot(w.tx, 'previous', null);
      await history(w.tx, 'rolled_back', from, reason, { by, to: prev.sha256, frames: data.frames, unsureRate: data.unsureRate, errorRate: data.errorRate });
      emitIn(w, 'recognition.model.rolled_back', data);
      if (reason !== 'command')
        emitIn(w, 'alert.raised', {
          key: `recognition:model:${from.sha256.slice(0, 12)}:rolled-back`,
          severity: 'warning',
          message: `model ${from.id}${from.version ? ` (${from.version})` : ''} rolled back to ${back.id}: ${reason.replace('_', ' ')} ${((reason === 'unsure_rate' ? data.unsureRate : data.errorRate) ?? 0).toFixed(2)} over ${data.frames} frames`,
          deviceId: 'gateway',
        });
      w.after(() => {
        recognition.setLive(back, specOf(prev));
        watch = null;
        retired.add(from.sha256);
      });
    });
    steps.inc({ step: 'rolled_back' });
    log.warn({ from: from.id, to: back.id, reason, by }, 'model rolled back');
    return data;
  }

  function onFrame(f: FrameOutcome) {
    if (f.slot === 'live') {
      if (!watch || watch.sha !== f.model.sha256) return;
      watch.frames++;
      if (f.unsure) watch.unsure++;
      if (f.error) watch.errors++;
      const rb = rc.rollback;
      if (rb.auto && !pendingAuto && watch.frames >= rb.minFrames) {
        const why = watch.errors / watch.frames > rb.maxErrorRate ? 'error_rate' : watch.unsure / watch.frames > rb.maxUnsureRate ? 'unsure_rate' : null;
        if (why) return auto(() => rollback(why, 'gateway'));
      }
      if (watch.frames >= rb.watchFrames) watch = null;
      return;
    }
    if (shadowTally.sha !== f.model.sha256) Object.assign(shadowTally, { sha: f.model.sha256, frames: 0, agreed: 0, unsure: 0, errors: 0, reported: 0 });
    const t = shadowTally;
    t.frames++;
    if (f.agree) t.agreed++;
    if (f.unsure) t.unsure++;
    if (f.error) t.errors++;
    if (t.frames - t.reported >= rc.reportEveryFrames) {
      t.reported = t.frames;
      const data = { live: ref(f.live), shadow: ref(f.model), frames: t.frames, agreed: t.agreed, agreement: t.agreed / t.frames, shadowUnsure: t.unsure };
      void deps.work.run(async (w) => emitIn(w, 'recognition.shadow.agreement', data)).catch((err) => log.warn({ err }, 'agreement report failed'));
    }
    const p = rc.promote;
    if (
      p.auto &&
      !pendingAuto &&
      !retired.has(t.sha) &&
      t.frames >= p.minFrames &&
      t.agreed / t.frames >= p.agreement &&
      t.unsure / t.frames <= p.maxUnsureRate
    )
      auto(() => promote('agreement', 'gateway', t.sha));
  }
  /** one automatic step in flight at a time; frames keep arriving while it runs */
  function auto(fn: () => Promise<unknown>) {
    pendingAuto = true;
    void serial(fn)
      .catch((err) => log.warn({ err: (err as Error).message }, 'automatic model step failed'))
      .finally(() => {
        pendingAuto = false;
      });
  }

  return {
    async start() {
      retired = await retiredShas(deps.db);
      recognition.onFrame(onFrame);
      const run = (what: string, p: Promise<unknown>) => void p.catch((err) => log.error({ err: (err as Error).message, what }, 'model operation failed'));
      deps.bus.on('model-ops', 'model.announced', (e) =>
        run(
          'announce',
          serial(() => announce(e.data)),
        ),
      );
      deps.bus.on('model-ops', 'model.promote.requested', (e) =>
        run(
          'promote',
          serial(() => promote('command', e.data.by ?? 'cloud', e.data.sha256)),
        ),
      );
      deps.bus.on('model-ops', 'model.rollback.requested', (e) =>
        run(
          'rollback',
          serial(() => rollback('command', e.data.by ?? 'cloud')),
        ),
      );
    },
    async stop() {
      deps.bus.off('model-ops');
      await chain;
    },
    promote: (by: string, sha256?: string) => serial(() => promote('command', by, sha256)),
    rollback: (by: string) => serial(() => rollback('command', by)),
    /** waits for the operations queued so far (tests, stop) */
    idle: () => chain,
    async status() {
      const s = recognition.status();
      const slots = await readSlots(deps.db);
      const prev = slots.previous;
      return {
        live: s.live,
        shadow: s.shadow ? { ...s.shadow, unsure: shadowTally.sha === s.shadow.sha256 ? shadowTally.unsure : 0 } : null,
        previous: prev ? { id: `product-cnn-${prev.sha256.slice(0, 12)}`, sha256: prev.sha256, version: prev.version, origin: prev.origin } : null,
        watch: watch ? { ...watch } : null,
        rollout: { publicKey: key !== null, autoPromote: rc.promote, autoRollback: rc.rollback },
        history: await readHistory(deps.db),
      };
    },
  };
}
export type ModelOps = ReturnType<typeof createModelOps>;
