import type { KeyObject } from 'node:crypto';
import type { Static, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import Value from 'typebox/value';
import { DownlinkEvent, publicKeyFrom, purposeOf, SignedEnvelope, verifySignature } from '../../../devices/downlink.ts';
import type { Db } from '../../store/db.ts';
import type { DownlinkConfig } from './config.ts';

export interface PinnedKey {
  id: string;
  key: KeyObject;
  purposes: readonly string[];
}

export type Verified = { ok: true; event: DownlinkEvent; keyId: string; bytes: number };
export type Refusal = { ok: false; reason: string; detail?: string; event?: DownlinkEvent; keyId?: string };

/**
 * The keys the gateway trusts: `downlink.keys` from config, plus what signed `key.rotate` commands added or retired
 * (kept in SQLite). A rotation never touches a config key's entry in place: retiring a config key is remembered, and
 * the config must drop it at the next edit.
 */
export function createTrust(config: DownlinkConfig, storeId: string) {
  const keys = new Map<string, PinnedKey>();
  for (const k of config.keys) keys.set(k.id, { id: k.id, key: publicKeyFrom(k.publicKey), purposes: k.purposes });

  return {
    has: (id: string) => keys.has(id),
    size: () => keys.size,

    async restore(db: Db) {
      for (const r of await db.all<{ id: string; public_key: string | null; purposes: string; retired: number }>('SELECT * FROM downlink_keys')) {
        if (r.retired || !r.public_key) keys.delete(r.id);
        else keys.set(r.id, { id: r.id, key: publicKeyFrom(r.public_key), purposes: JSON.parse(r.purposes) as string[] });
      }
    },

    /** after the rotation's unit committed */
    pin(id: string, publicKey: string, purposes: string[]) {
      keys.set(id, { id, key: publicKeyFrom(publicKey), purposes });
    },
    retire(id: string) {
      keys.delete(id);
    },

    /** Envelope → a CloudEvent signed by a pinned key allowed to sign its type, for this store. Nothing else passes. */
    verify(payload: Buffer | string): Verified | Refusal {
      const text = typeof payload === 'string' ? payload : payload.toString('utf8');
      let envelope: unknown;
      try {
        envelope = JSON.parse(text);
      } catch {
        return { ok: false, reason: 'not_json' };
      }
      if (!check(SignedEnvelope, envelope)) return { ok: false, reason: 'bad_envelope', detail: firstError(SignedEnvelope, envelope) };
      const pinned = keys.get(envelope.keyid);
      if (!pinned) return { ok: false, reason: 'unknown_key', keyId: envelope.keyid };
      if (!verifySignature(envelope, pinned.key)) return { ok: false, reason: 'bad_signature', keyId: envelope.keyid };
      // from here the message is the cloud's own: refusals are reported upstream
      let event: unknown;
      try {
        event = JSON.parse(envelope.event);
      } catch {
        return { ok: false, reason: 'bad_event', detail: 'event is not JSON', keyId: pinned.id };
      }
      if (!check(DownlinkEvent, event)) return { ok: false, reason: 'bad_event', detail: firstError(DownlinkEvent, event), keyId: pinned.id };
      const purpose = purposeOf(event.type);
      if (!pinned.purposes.includes(purpose))
        return { ok: false, reason: 'wrong_purpose', detail: `key ${pinned.id} may not sign ${purpose} messages`, event, keyId: pinned.id };
      if (event.storeid !== storeId) return { ok: false, reason: 'wrong_store', detail: `signed for store ${event.storeid}`, event, keyId: pinned.id };
      return { ok: true, event, keyId: pinned.id, bytes: text.length };
    },
  };
}
export type Trust = ReturnType<typeof createTrust>;

/**
 * Value.Check interprets the schema on every call: on a 500-change stock message that was ~30 % of the gateway's
 * CPU while a stream was applied (bench/downlink.ts with STOREGATE_BENCH_CPU_PROF). Compiled once per schema, on first use.
 */
const compiled = new WeakMap<TSchema, { Check(value: unknown): boolean }>();
export function check<T extends TSchema>(schema: T, value: unknown): value is Static<T> {
  let v = compiled.get(schema);
  if (!v) {
    v = Compile(schema);
    compiled.set(schema, v);
  }
  return v.Check(value);
}

export function firstError(schema: TSchema, value: unknown): string {
  const errors = [...Value.Errors(schema, value)].slice(0, 3);
  return errors.map((e) => `${e.instancePath || '/'}: ${e.message}`).join('; ');
}
