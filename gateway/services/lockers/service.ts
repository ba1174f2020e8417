import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { KeypadMessage, LockerEventMessage, StateReportMessage } from '../../../devices/locker/messages.ts';
import { LOCKER_CHANNELS, LOCKER_KIND } from '../../../devices/locker/topics.ts';
import { type ChannelHandler, jsonChannel } from '../../ingest/ingest.ts';
import type { Db } from '../../store/db.ts';
import type { GatewayService, ServiceDeps } from '../../service.ts';
import { followConfig } from '../../config/live.ts';
import type { Language } from '../../staff/accounts.ts';
import { readOrCreateSecretFile } from '../../store/secret-file.ts';
import { alertKey, raiseAlert } from './alerts.ts';
import type { LockersConfig } from './config.ts';
import { onRemoteCommands } from './remote-commands.ts';
import { type AppIdentifier, type Ctx, comp, createContext, type Effects } from './context.ts';
import { checkOccupancy, onDoor } from './doors.ts';
import { lockersHttp } from './http.ts';
import { createDoorDeadlines } from './deadline.ts';
import { type IncentivePicker, incentiveRules, redeemOffer, ruleSetPicker } from './incentives.ts';
import { onKeypad } from './keypad.ts';
import { nextPickupDeadline } from './pickup-window.ts';
import { lockerMigrations } from './migrations.ts';
import { syncBanks } from './queries.ts';
import { reconcile } from './reconcile.ts';
import { expectOrder, expireReservations } from './expected.ts';
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
export function createLockerService(
  deps: ServiceDeps,
  cfg: LockersConfig,
  opts: { incentive?: IncentivePicker; identifyApp?: AppIdentifier; language?: Language } = {},
): GatewayService {
  if (!cfg.enabled) return { name: 'lockers', start: async () => {}, stop: async () => {} };
  return createEnabled(deps, cfg, opts);
}

function createEnabled(deps: ServiceDeps, start: LockersConfig, opts: { incentive?: IncentivePicker; identifyApp?: AppIdentifier; language?: Language }) {
  // the audit purge reads auditDays each time it runs: `retention.lockerAuditDays` follows signed config patches
  const retention = followConfig(deps.bus, 'lockers-retention', 'retention', { lockerAuditDays: start.auditDays ?? 0 }, ['lockerAuditDays']);
  const cfg: LockersConfig = {
    ...start,
    get auditDays() {
      return retention.lockerAuditDays || undefined;
    },
  };
  const ctx: Ctx = createContext(deps, cfg, codeKeyOf(deps, cfg), opts);
  // the rule set from config; a test or a model may pass its own picker (same inputs, an explanation out)
  const incentive = opts.incentive ?? ruleSetPicker(incentiveRules(cfg.returns));
  const openTimers = new Map<string, { cancel(): void }>();
  const timers: Array<{ cancel(): void }> = [];

  /** A failure is logged (never with the message body); the next message is handled as usual. */
  const run = (what: string, controllerId: string, p: Promise<unknown>) =>
    void p.catch((err) => ctx.log.error({ err: (err as Error).message, controllerId, what }, 'locker handler failed'));
  const deadlines = createDoorDeadlines(ctx, run);
  ctx.hooks.doorCommanded = deadlines.arm;
  // besides the minute sweep, one timer at the next pickup expiry or reminder point, so short windows are on time
  let dueTimer: { cancel(): void } | undefined;
  let stopped = false;
  const sweep = async () => {
    await Promise.all([expireParcels(ctx), expireReservations(ctx)]);
    await reschedule();
  };
  async function reschedule() {
    const next = await nextPickupDeadline(ctx, deps.db);
    dueTimer?.cancel();
    dueTimer = undefined;
    if (next !== null && !stopped && next - ctx.now() < 60_000)
      dueTimer = deps.clock.setTimeout(
        () => void sweep().catch((err) => ctx.log.error({ err }, 'locker expiry sweep failed')),
        Math.max(0, next - ctx.now()) + 1,
      );
  }
  ctx.hooks.pickupChanged = () => void reschedule().catch((err) => ctx.log.error({ err }, 'locker pickup timer failed'));

  /** Arms (or cancels) a compartment's door-open alert from the state a unit of work is about to commit. */
  async function syncDoorTimer(tx: Db, fx: Effects, id: string) {
    const c = await comp(tx, id);
    fx.after(() => {
      if (c?.door === 'open' && c.door_open_since !== null) {
        if (!openTimers.has(id)) armDoorTimer(id, c.door_open_since);
      } else {
        openTimers.get(id)?.cancel();
        openTimers.delete(id);
      }
    });
  }
  function armDoorTimer(id: string, since: number) {
    openTimers.get(id)?.cancel();
    const wait = Math.max(0, since + cfg.doorOpenAlertSeconds * 1000 - ctx.now());
    openTimers.set(
      id,
      deps.clock.setTimeout(() => {
        openTimers.delete(id);
        run(
          'door-open-check',
          id,
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
  const syncAllDoorTimers = async (tx: Db, fx: Effects, controllerId: string) => {
    for (const r of await tx.all<{ id: string }>('SELECT id FROM locker_compartments WHERE controller_id = ?', [controllerId]))
      await syncDoorTimer(tx, fx, r.id);
  };

  function onControllerEvent(id: string, m: LockerEventMessage) {
    if (m.type === 'door')
      return ctx.work(async (tx, fx) => {
        await onDoor(ctx, tx, fx, id, m.compartment, m.door, m.occupied);
        await syncDoorTimer(tx, fx, m.compartment);
      });
    if (m.type === 'occupancy')
      return ctx.work(async (tx, fx) => {
        await tx.run('UPDATE locker_compartments SET occupied = ? WHERE id = ? AND controller_id = ?', [m.occupied ? 1 : 0, m.compartment, id]);
        await checkOccupancy(ctx, tx, fx, m.compartment);
      });
    if (m.fault === 'power_loss') return ctx.work((tx, fx) => reconcile(ctx, tx, fx, id, { powerLoss: true, compartments: [] }));
    const where = m.compartment ? `compartment ${m.compartment}` : `controller ${id}`;
    const alert = { key: alertKey.tamper(m.compartment ?? id), severity: 'critical' as const, message: `${where}: tamper detected`, deviceId: id };
    return ctx.work((tx, fx) => raiseAlert(tx, fx, id, alert, ctx.now()));
  }

  const onStateReport = (id: string, report: StateReportMessage) =>
    ctx.work(async (tx, fx) => {
      const changes = await reconcile(ctx, tx, fx, id, report);
      // tells the controller the gateway has its state (e.g. to show "ready" on its display)
      fx.send(id, { type: 'synced', changes: changes.length });
      if (changes.length) fx.after(() => ctx.log.info({ controllerId: id, changes }, 'locker state reconciled from controller report'));
      await syncAllDoorTimers(tx, fx, id);
    });

  // Pure: the controller's messages become events; the service reacts to them on the bus (start()).
  const channels: ChannelHandler[] = [
    jsonChannel({
      kind: LOCKER_KIND,
      channel: LOCKER_CHANNELS.event,
      schema: LockerEventMessage,
      toEvents: (m, ictx) => ({
        events: [ictx.event('device.message', { deviceId: ictx.device.id, kind: LOCKER_KIND, channel: 'event', body: m })],
        local: [ictx.event('locker.controller.event', { controllerId: ictx.device.id, message: m })],
      }),
    }),
    jsonChannel({
      kind: LOCKER_KIND,
      channel: LOCKER_CHANNELS.keypad,
      schema: KeypadMessage,
      // codes are secrets: never written to device_events, only handed to this service in-process
      persist: false,
      toEvents: (m, ictx) => ({ events: [], local: [ictx.event('locker.keypad.entered', { controllerId: ictx.device.id, message: m })] }),
    }),
    jsonChannel({
      kind: LOCKER_KIND,
      channel: LOCKER_CHANNELS.state,
      schema: StateReportMessage,
      toEvents: (m, ictx) => ({
        events: [ictx.event('device.message', { deviceId: ictx.device.id, kind: LOCKER_KIND, channel: 'state', body: m })],
        local: [ictx.event('locker.controller.state', { controllerId: ictx.device.id, message: m })],
      }),
    }),
  ];

  // online orders for pickup here (the fitting room's order intents): handed over durably, so an order
  // committed just before a crash is still expected after the restart (services never import each other)
  deps.work.durable('lockers', 'order.intent.created', async (w, e) => {
    await expectOrder(ctx, w.tx, ctx.effectsOf(w), e.data);
  });

  return {
    name: 'lockers',
    migrations: lockerMigrations,
    channels,
    http: lockersHttp(ctx, incentive),
    ctx,
    async start() {
      await syncBanks(deps.db, cfg, ctx.now());
      // Controllers send their state on every connect (the contract). Offline alerts are the health service's
      // (`device:<id>:offline`); staff see connectivity on the lockers API. Controllers that stayed connected
      // through a gateway restart (external broker) are asked for their state now.
      for (const id of ctx.controllers) deps.link.send(LOCKER_KIND, id, { type: 'report' });
      await ctx.work(async (tx, fx) => {
        for (const id of ctx.controllers) await syncAllDoorTimers(tx, fx, id);
      });
      deps.bus.on('lockers', 'locker.controller.event', (e) => run('event', e.data.controllerId, onControllerEvent(e.data.controllerId, e.data.message)));
      deps.bus.on('lockers', 'locker.controller.state', (e) => run('state', e.data.controllerId, onStateReport(e.data.controllerId, e.data.message)));
      deps.bus.on('lockers', 'locker.keypad.entered', (e) =>
        run(
          'keypad',
          e.data.controllerId,
          ctx.work((tx, fx) => onKeypad(ctx, tx, fx, e.data.controllerId, e.data.message, incentive)),
        ),
      );
      // signed cloud commands (reclaim a parcel) verified and audited by the downlink
      onRemoteCommands(ctx);
      deps.bus.on('lockers', 'incentive.redeemed', (e) => {
        const at = Date.parse(e.data.redeemedAt);
        // an offer this gateway never showed (another store's) is not ours: a warning, not a failure
        void ctx
          .work((tx, fx) => redeemOffer(ctx, tx, fx, e.data.offerId, Number.isFinite(at) ? at : ctx.now(), e.data.channel || 'cloud'))
          .catch((err) =>
            (err as { statusCode?: number }).statusCode === 404
              ? ctx.log.warn({ offerId: e.data.offerId }, 'redemption reported for an offer this gateway does not know')
              : ctx.log.error({ err: (err as Error).message, offerId: e.data.offerId }, 'recording a redemption failed'),
          );
      });
      await deadlines.rearm(deps.db);
      // both queued at once (locker work is serial), so work queued after a tick sees both sweeps done
      await sweep();
      timers.push(deps.clock.setInterval(() => void sweep().catch((err) => ctx.log.error({ err }, 'locker expiry sweep failed')), 60_000));
      ctx.log.info({ banks: cfg.banks.length }, 'lockers started');
    },
    async stop() {
      deps.bus.off('lockers');
      deps.bus.off('lockers-retention');
      stopped = true;
      dueTimer?.cancel();
      deadlines.stop();
      for (const t of [...timers, ...openTimers.values()]) t.cancel();
      openTimers.clear();
      await deps.work.flush();
    },
  } satisfies GatewayService & { ctx: Ctx };
}
