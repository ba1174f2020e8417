import type { Clock } from '../../clock.ts';
import { Errors } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { UnitOfWork } from '../../store/unit-of-work.ts';
import type { AlertBook } from './alert-book.ts';
import type { Actor, MuteStore } from './mute-store.ts';
import { MUTE_MINUTES, type Mute } from './mutes.ts';

export interface MuteRequest {
  key?: string | undefined;
  kind?: string | undefined;
  zone?: string | undefined;
  minutes: number;
  note?: string | undefined;
}

/** A mute must say what it covers and for how long (bounded): refused with the reason otherwise. */
export function checkMute(req: MuteRequest) {
  const scope = { key: req.key ?? null, kind: req.kind ?? null, zone: req.zone ?? null };
  if (!scope.key && !scope.kind && !scope.zone) throw new Errors.invalid('a mute names an alert key, a device kind, a zone, or a kind and a zone');
  if (!Number.isInteger(req.minutes) || req.minutes < MUTE_MINUTES.min || req.minutes > MUTE_MINUTES.max)
    throw new Errors.invalid(`minutes must be a whole number from ${MUTE_MINUTES.min} to ${MUTE_MINUTES.max}`);
  return scope;
}

/**
 * Mute and unmute, as units of work (the mute row, its audit row and the open alerts it quiets commit together).
 * A mute covers what is raised while it lasts and the open alerts in its scope at once (they leave the badge).
 */
export function createAlertActions(deps: { book: AlertBook; mutes: MuteStore; work: UnitOfWork; clock: Clock; log: Logger }) {
  const { mutes, work, clock, log } = deps;
  return {
    async mute(req: MuteRequest, who: Actor): Promise<Mute> {
      const scope = checkMute(req);
      const now = clock.now();
      const m = await work.run(async (w) => {
        const added = await mutes.add(w, {
          ...scope,
          until: now + req.minutes * 60_000,
          byActor: who.actor,
          byName: who.name,
          note: req.note ?? null,
          createdAt: now,
        });
        await deps.book.quiet(w, added);
        return added;
      });
      log.info({ muteId: m.id, key: m.key, kind: m.kind, zone: m.zone, minutes: req.minutes, by: who.actor }, 'alerts muted');
      return m;
    },
    async unmute(id: number, who: Actor): Promise<Mute> {
      const m = await work.run((w) => mutes.end(w, id, who));
      if (!m) throw new Errors.notFound(`live mute ${id}`);
      log.info({ muteId: id, by: who.actor }, 'alerts unmuted');
      return m;
    },
  };
}

export type AlertActions = ReturnType<typeof createAlertActions>;
