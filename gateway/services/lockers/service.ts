import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { KeypadMessage, LockerEventMessage, StateReportMessage } from '../../../devices/locker/messages.ts';
import { LOCKER_CHANNELS, LOCKER_KIND } from '../../../devices/locker/topics.ts';
import type { ChannelHandler } from '../../ingest/ingest.ts';
import type { GatewayService, ServiceDeps } from '../../service.ts';
import { readOrCreateSecretFile } from '../../store/secret-file.ts';
import { alertKey, raiseAlert } from './alerts.ts';
import type { LockersConfig } from './config.ts';
import { type Ctx, comp, createContext } from './context.ts';
import { checkOccupancy, onDoor } from './doors.ts';
import { lockersHttp } from './http.ts';
import { configIncentiveRule, type IncentiveRule, onKeypad } from './keypad.ts';
import { lockerMigrations } from './migrations.ts';
import { syncBanks } from './queries.ts';
import { reconcile } from './reconcile.ts';
import { expireReservations, onOrderIntent } from './expected.ts';
import { expireParcels } from './staff.ts';

/** The pickup-code key: from config, else generated once into the data dir (0600) next to the database. */
function codeKeyOf(deps: ServiceDeps, cfg: LockersConfig): string {
  if (cfg.codeKey) return cfg.codeKey;
  if (deps.db.path === ':memory:') return randomBytes(32).toString('base64url');
  return readOrCreateSecretFile(join(dirname(deps.db.path), 'locker-code-key'), { bytes: 32 }).value;
}

/**
 * Parcel lockers: staff loading, pickup by code or QR, returns with a signed QR checked offline, faults as
 * de-duplicated alerts, and reconciliation with the controller's own report on every (re)connect.
 */
export function createLockerService(deps: ServiceDeps, cfg: LockersConfig, opts: { incentive?: IncentiveRule } = {}): GatewayService {
  if (!cfg.enabled) return { name: 'lockers', start: async () => {}, stop: async () => {} };
  return createEnabled(deps, cfg, opts);
}

function createEnabled(deps: ServiceDeps, cfg: LockersConfig, opts: { incentive?: IncentiveRule }) {
  const ctx: Ctx = createContext(deps, cfg, codeKeyOf(deps, cfg));
  const incentive = opts.incentive ?? configIncentiveRule(cfg.returns.incentive);
  const openTimers = new Map<string, { cancel(): void }>();
  const timers: Array<{ cancel(): void }> = [];
  const source = (id: string) => `storegate/${deps.storeId}/${LOCKER_KIND}/${id}`;

  /** Device messages are handled in order, one at a time; a failure is logged (never with the message body). */
  const run = (what: string, controllerId: string, fn: () => Promise<unknown>) =>
    void ctx.serial(fn).catch((err) => ctx.log.error({ err: (err as Error).message, controllerId, what }, 'locker handler failed'));

  function armDoorTimer(id: string, since: number) {
    openTimers.get(id)?.cancel();
    const wait = Math.max(0, since + cfg.doorOpenAlertSeconds * 1000 - ctx.now());
    openTimers.set(
      id,
      deps.clock.setTimeout(() => {
        openTimers.delete(id);
        run('door-open-check', id, () =>
          ctx.work(async (tx, fx) => {
            const c = await comp(tx, id);
            if (c?.door !== 'open' || c.door_open_since !== since) return;
            const message = `compartment ${id}: door left open for more than ${cfg.doorOpenAlertSeconds} s`;
            await raiseAlert(tx, fx, c.controller_id, { key: alertKey.doorOpen(id), severity: 'warning', message, deviceId: c.controller_id }, ctx.now());
          }),
        );
      }, wait),
    );
  }
  async function syncDoorTimer(id: string) {
    const c = await comp(deps.db, id);
    if (c?.door === 'open' && c.door_open_since !== null) {
      if (!openTimers.has(id)) armDoorTimer(id, c.door_open_since);
    } else {
      openTimers.get(id)?.cancel();
      openTimers.delete(id);
    }
  }
  const syncAllDoorTimers = async (controllerId: string) => {
    for (const r of await deps.db.all<{ id: string }>('SELECT id FROM locker_compartments WHERE controller_id = ?', [controllerId])) await syncDoorTimer(r.id);
  };

  const channels: ChannelHandler[] = [
    {
      kind: LOCKER_KIND,
      channel: LOCKER_CHANNELS.event,
      schema: LockerEventMessage,
      toEvents(body, ictx) {
        const m = body as LockerEventMessage;
        const id = ictx.device.id;
        if (m.type === 'door')
          run('door', id, async () => {
            await ctx.work((tx, fx) => onDoor(ctx, tx, fx, id, m.compartment, m.door, m.occupied));
            await syncDoorTimer(m.compartment);
          });
        else if (m.type === 'occupancy')
          run('occupancy', id, () =>
            ctx.work(async (tx, fx) => {
              await tx.run('UPDATE locker_compartments SET occupied = ? WHERE id = ? AND controller_id = ?', [m.occupied ? 1 : 0, m.compartment, id]);
              await checkOccupancy(ctx, tx, fx, m.compartment);
            }),
          );
        else if (m.fault === 'power_loss') run('fault', id, () => ctx.work((tx, fx) => reconcile(ctx, tx, fx, id, { powerLoss: true, compartments: [] })));
        else {
          const where = m.compartment ? `compartment ${m.compartment}` : `controller ${id}`;
          const alert = { key: alertKey.tamper(m.compartment ?? id), severity: 'critical' as const, message: `${where}: tamper detected`, deviceId: id };
          run('fault', id, () => ctx.work((tx, fx) => raiseAlert(tx, fx, id, alert, ctx.now())));
        }
        const e = deps.bus.make('device.message', ictx.source, { deviceId: id, kind: LOCKER_KIND, channel: 'event', body: m });
        return { events: [{ ...e, id: ictx.eventId(body) ?? e.id }] };
      },
    },
    {
      kind: LOCKER_KIND,
      channel: LOCKER_CHANNELS.keypad,
      schema: KeypadMessage,
      // codes are secrets: never written to device_events, never put on the bus
      persist: false,
      toEvents(body, ictx) {
        const id = ictx.device.id;
        run('keypad', id, () => ctx.work((tx, fx) => onKeypad(ctx, tx, fx, id, body as KeypadMessage, incentive)));
        return { events: [] };
      },
    },
    {
      kind: LOCKER_KIND,
      channel: LOCKER_CHANNELS.state,
      schema: StateReportMessage,
      toEvents(body, ictx) {
        const id = ictx.device.id;
        run('state', id, async () => {
          const changes = await ctx.work(async (tx, fx) => {
            const c = await reconcile(ctx, tx, fx, id, body as StateReportMessage);
            // tells the controller the gateway has its state (e.g. to show "ready" on its display)
            fx.send(id, { type: 'synced', changes: c.length });
            return c;
          });
          if (changes.length) ctx.log.info({ controllerId: id, changes }, 'locker state reconciled from controller report');
          await syncAllDoorTimers(id);
        });
        const e = deps.bus.make('device.message', ictx.source, { deviceId: id, kind: LOCKER_KIND, channel: 'state', body });
        return { events: [{ ...e, id: ictx.eventId(body) ?? e.id }] };
      },
    },
  ];

  return {
    name: 'lockers',
    migrations: lockerMigrations,
    channels,
    http: lockersHttp(ctx),
    ctx,
    async start() {
      await syncBanks(deps.db, cfg, ctx.now());
      // Controllers send their state on every connect (the contract). Offline alerts are the health service's
      // (`device:<id>:offline`); staff see connectivity on the lockers API. Controllers that stayed connected
      // through a gateway restart (external broker) are asked for their state now.
      for (const id of ctx.controllers) deps.link.send(LOCKER_KIND, id, { type: 'report' });
      for (const id of ctx.controllers) await syncAllDoorTimers(id);
      // online orders for pickup here (the fitting room's order intents, over the bus: services never import each other)
      deps.bus.on('lockers', 'order.intent.created', (e) => onOrderIntent(ctx, e.data).then(() => {}));
      // ... and the last day's again when the fitting service starts (one it missed if the gateway stopped in between)
      deps.bus.on('lockers', 'fitting.locker_orders.pending', (e) =>
        Promise.all(e.data.orders.map((o) => onOrderIntent(ctx, o))).then((added) => {
          const n = added.filter(Boolean).length;
          if (n) ctx.log.warn({ orders: n }, 'online orders for locker pickup recovered at start (their order.intent.created was missed)');
        }),
      );
      // both queued at once (locker work is serial), so work queued after a tick sees both sweeps done
      const sweep = () => Promise.all([expireParcels(ctx), expireReservations(ctx)]);
      await sweep();
      timers.push(deps.clock.setInterval(() => void sweep().catch((err) => ctx.log.error({ err }, 'locker expiry sweep failed')), 60_000));
      ctx.log.info({ banks: cfg.banks.length, source: source('*') }, 'lockers started');
    },
    async stop() {
      deps.bus.off('lockers');
      for (const t of [...timers, ...openTimers.values()]) t.cancel();
      openTimers.clear();
      await ctx.serial(async () => {});
    },
  } satisfies GatewayService & { ctx: Ctx };
}
