import {
  CatalogChanged,
  COMMANDS,
  type CommandName,
  ConfigPatch,
  type DownlinkEvent,
  IncentiveRedeemed,
  ModelAnnounced,
  publicKeyFrom,
  StockChanged,
} from '../../../devices/downlink.ts';
import type { EventMap, EventType } from '../../bus/events.ts';
import type { Config } from '../../config/schema.ts';
import type { ServiceDeps } from '../../service.ts';
import { requeueDeadLetters } from '../../store/outbox.ts';
import type { Work } from '../../store/unit-of-work.ts';
import { checkPatch } from './config-patch.ts';
import type { Trust } from './trust.ts';
import { check, firstError } from './trust.ts';

/** What a message did, for the audit and the counters; `refused` advances the position too (it was the cloud's). */
export type Outcome = { outcome: 'applied' | 'refused'; reason?: string; errors?: string[]; audit?: boolean };

export interface HandlerCtx {
  deps: ServiceDeps;
  trust: Trust;
  /** the effective config (the file's plus accepted patches), replaced when a patch is accepted */
  config: () => Readonly<Config>;
  setConfig: (c: Readonly<Config>, live: string[]) => void;
  maxTtlMs: number;
  emit<T extends EventType>(w: Work, type: T, data: EventMap[T], opts?: { local?: boolean }): void;
}

const refused = (reason: string, errors?: string[], audit = false): Outcome => ({ outcome: 'refused', reason, ...(errors ? { errors } : {}), audit });

/** Commands and config patches act once, before they expire: nonce + expiry, checked and recorded in the unit. */
async function singleUse(h: HandlerCtx, w: Work, e: DownlinkEvent): Promise<Outcome | null> {
  const now = h.deps.clock.now();
  if (!e.nonce || !e.expiresat || !e.requestedby) return refused('missing_nonce', ['commands and config patches need nonce, expiresat and requestedby'], true);
  const expires = Date.parse(e.expiresat);
  if (!(expires > now)) return refused('expired', [`expired at ${e.expiresat}`], true);
  if (expires - now > h.maxTtlMs) return refused('expiry_too_far', [`expiresat is more than ${h.maxTtlMs / 1000} s ahead`], true);
  const used = await w.tx.get('SELECT 1 AS x FROM downlink_nonces WHERE nonce = ?', [e.nonce]);
  if (used) return refused('replay', [`nonce ${e.nonce} was used before`], true);
  await w.tx.run('DELETE FROM downlink_nonces WHERE expires_at < ?', [now]);
  await w.tx.run('INSERT INTO downlink_nonces (nonce, expires_at) VALUES (?, ?)', [e.nonce, expires]);
  return null;
}

export async function handle(h: HandlerCtx, w: Work, e: DownlinkEvent, keyId: string): Promise<Outcome> {
  const type = e.type.replace(/^storegate\./, '');
  const now = h.deps.clock.now();
  const at = Date.parse(e.time) || now;

  if (type === 'stock.changed') {
    if (!check(StockChanged, e.data)) return refused('schema', [firstError(StockChanged, e.data)]);
    const r = await h.deps.catalog.applyStock(w, e.data.changes, Math.max(at, now));
    h.emit(w, 'stock.changed', { stream: e.stream, sequence: e.sequence, applied: r.applied, unknown: r.unknown }, { local: true });
    return { outcome: 'applied' };
  }
  if (type === 'catalog.changed') {
    if (!check(CatalogChanged, e.data)) return refused('schema', [firstError(CatalogChanged, e.data)]);
    const r = await h.deps.catalog.applyCatalog(w, e.data, now);
    h.emit(w, 'catalog.changed', r, { local: true });
    return { outcome: 'applied', ...(r.refused.length ? { errors: r.refused.map((x) => `${x.sku}: ${x.reason}`) } : {}) };
  }
  if (type === 'stream.reset') return { outcome: 'applied' };
  if (type === 'model.announced') {
    if (!check(ModelAnnounced, e.data)) return refused('schema', [firstError(ModelAnnounced, e.data)]);
    h.emit(w, 'model.announced', e.data as EventMap['model.announced']);
    return { outcome: 'applied', audit: true };
  }
  if (type === 'incentive.redeemed') {
    if (!check(IncentiveRedeemed, e.data)) return refused('schema', [firstError(IncentiveRedeemed, e.data)]);
    h.emit(w, 'incentive.redeemed', { offerId: e.data.offerId, redeemedAt: e.data.redeemedAt, channel: 'cloud' });
    return { outcome: 'applied' };
  }
  if (type === 'config.patch') {
    if (!check(ConfigPatch, e.data)) return refused('schema', [firstError(ConfigPatch, e.data)], true);
    const once = await singleUse(h, w, e);
    if (once) return once;
    const r = checkPatch(h.config(), e.data.set);
    if (!r.ok) return refused('patch_invalid', r.errors, true);
    await w.tx.run('INSERT INTO downlink_config_patches (id, at, requested_by, patch) VALUES (?, ?, ?, ?)', [
      e.id,
      now,
      e.requestedby,
      JSON.stringify(e.data.set),
    ]);
    h.emit(w, 'downlink.config.applied', { patchId: e.id, requestedBy: e.requestedby ?? '', keys: r.keys, restartRequired: r.restartRequired });
    const sections = Object.fromEntries([...new Set(r.keys.map((k) => k.split('.')[0] as string))].map((s) => [s, (r.config as Record<string, unknown>)[s]]));
    h.emit(w, 'config.patched', { patchId: e.id, keys: r.keys, config: sections }, { local: true });
    w.after(() => h.setConfig(r.config, r.live));
    return { outcome: 'applied', audit: true };
  }
  if (type.startsWith('command.')) return command(h, w, e, type.slice('command.'.length), keyId);
  return refused('unknown_type', [`no handler for ${e.type}`]);
}

async function command(h: HandlerCtx, w: Work, e: DownlinkEvent, name: string, keyId: string): Promise<Outcome> {
  if (!(name in COMMANDS)) return refused('unknown_type', [`unknown command ${name}`], true);
  const schema = COMMANDS[name as CommandName];
  if (!check(schema, e.data)) return refused('schema', [firstError(schema, e.data)], true);
  const once = await singleUse(h, w, e);
  if (once) return once;
  const requestedBy = e.requestedby ?? '';
  const done = (outcome: 'done' | 'requested' | 'failed', detail?: string) =>
    h.emit(w, 'downlink.command.completed', { commandId: e.id, command: name, requestedBy, keyId, outcome, ...(detail ? { detail } : {}) });
  const data = e.data as Record<string, unknown>;
  switch (name as CommandName) {
    case 'device.revoke': {
      const id = data.deviceId as string;
      const revoked = await h.deps.registry.revoke(id, w.tx);
      // the broker drops the connection after COMMIT (mosquitto's dynamic security deletes its client)
      if (revoked) w.after(() => void h.deps.link.disconnectDevice(id).catch(() => {}));
      done(revoked ? 'done' : 'failed', revoked ? undefined : `no enabled device ${id}`);
      break;
    }
    case 'deadletters.replay': {
      const n = await requeueDeadLetters(w.tx, { forwarder: data.forwarder as string | undefined, ids: data.ids as string[] | undefined });
      // wakes the forwarders
      w.after(() => h.deps.outbox.committed(n, 0));
      done('done', `${n} dead letters queued again`);
      break;
    }
    case 'key.rotate': {
      const add = data.add as { id: string; publicKey: string; purposes: string[] } | undefined;
      const retire = data.retire as string | undefined;
      if (add) {
        try {
          publicKeyFrom(add.publicKey);
        } catch (err) {
          return refused('schema', [`add.publicKey: ${(err as Error).message}`], true);
        }
        await w.tx.run(
          `INSERT INTO downlink_keys (id, public_key, purposes, retired, changed_by, changed_at) VALUES (?, ?, ?, 0, ?, ?)
           ON CONFLICT(id) DO UPDATE SET public_key = excluded.public_key, purposes = excluded.purposes, retired = 0, changed_by = excluded.changed_by, changed_at = excluded.changed_at`,
          [add.id, add.publicKey, JSON.stringify(add.purposes), requestedBy, h.deps.clock.now()],
        );
        w.after(() => h.trust.pin(add.id, add.publicKey, add.purposes));
      }
      if (retire) {
        await w.tx.run(
          `INSERT INTO downlink_keys (id, public_key, purposes, retired, changed_by, changed_at) VALUES (?, NULL, '[]', 1, ?, ?)
           ON CONFLICT(id) DO UPDATE SET retired = 1, public_key = NULL, changed_by = excluded.changed_by, changed_at = excluded.changed_at`,
          [retire, requestedBy, h.deps.clock.now()],
        );
        w.after(() => h.trust.retire(retire));
      }
      done('done', [add ? `pinned ${add.id}` : '', retire ? `retired ${retire}` : ''].filter(Boolean).join(', '));
      break;
    }
    case 'locker.reclaim':
      h.emit(w, 'locker.reclaim.requested', { parcelId: data.parcelId as string, requestedBy, commandId: e.id, keyId });
      done('requested');
      break;
    case 'model.promote':
      // who asked goes with it; a sha256 names the shadow to promote (else the current one)
      h.emit(w, 'model.promote.requested', { by: requestedBy, ...(typeof data.sha256 === 'string' ? { sha256: data.sha256 } : {}) });
      done('requested');
      break;
    case 'model.rollback':
      h.emit(w, 'model.rollback.requested', { by: requestedBy });
      done('requested');
      break;
  }
  return { outcome: 'applied', audit: true };
}
