import { randomUUID } from 'node:crypto';
import type { Db } from '../../store/db.ts';
import { alertKey, raiseAlert } from './alerts.ts';
import { type CompartmentRow, type Ctx, comp, setComp } from './context.ts';
import { failOp } from './doors.ts';

/**
 * Open commands with a deadline (`doorCommandSeconds`, injected clock). A door that reports anything is answered
 * (doors.ts sets `op_acked`). No answer: the command is sent once more; no answer again: the operation is called
 * off (a load fails, a pickup keeps its code), the compartment is marked `check` (out of the pool) with a critical
 * alert, and staff see it. The deadline is kept in SQLite (`op_at`, `op_tries`), so a restart re-arms it.
 */
export function createDoorDeadlines(ctx: Ctx, run: (what: string, id: string, p: Promise<unknown>) => void) {
  const timers = new Map<string, { cancel(): void }>();
  const ms = () => ctx.cfg.doorCommandSeconds * 1000;

  function arm(id: string, at: number) {
    timers.get(id)?.cancel();
    timers.set(
      id,
      ctx.deps.clock.setTimeout(
        () => {
          timers.delete(id);
          run('door-deadline', id, expire(id, at));
        },
        Math.max(0, at + ms() - ctx.now()),
      ),
    );
  }

  const expire = (id: string, at: number) =>
    ctx.work(async (tx, fx) => {
      const c = await comp(tx, id);
      if (!c?.op || c.op_acked || c.op_at !== at) return;
      const purpose = c.op;
      if (c.op_tries < 2) {
        const now = ctx.now();
        await tx.run('UPDATE locker_compartments SET op_tries = 2, op_at = ?, updated_at = ? WHERE id = ?', [now, now, id]);
        await fx.audit('gateway', `retry:${purpose}`, id, c.op_ref);
        fx.send(c.controller_id, { type: 'open', compartment: id, reqId: randomUUID() });
        fx.emit('locker.door.unanswered', c.controller_id, { controllerId: c.controller_id, compartmentId: id, purpose, outcome: 'retried' });
        fx.after(() => {
          ctx.metrics.doorTimeouts.inc({ outcome: 'retried' });
          arm(id, now);
        });
        return;
      }
      // marked first, so a reservation handed back by the failed load sees a compartment out of order
      await setComp(tx, id, ctx.now(), { fault: 'check' });
      await failOp(ctx, tx, fx, { ...c, fault: 'check' } as CompartmentRow, 'door did not answer');
      const message = `compartment ${id}: door did not answer two open commands (${purpose}); check it`;
      await raiseAlert(tx, fx, c.controller_id, { key: alertKey.check(id), severity: 'critical', message, deviceId: c.controller_id }, ctx.now());
      fx.emit('locker.door.unanswered', c.controller_id, { controllerId: c.controller_id, compartmentId: id, purpose, outcome: 'check' });
      fx.after(() => ctx.metrics.doorTimeouts.inc({ outcome: 'check' }));
    });

  return {
    arm,
    /** at start: every command still waiting for its door (sent before a restart) gets its deadline back */
    async rearm(db: Db) {
      for (const r of await db.all<{ id: string; op_at: number }>(
        'SELECT id, op_at FROM locker_compartments WHERE op IS NOT NULL AND op_acked = 0 AND op_at IS NOT NULL',
      ))
        arm(r.id, r.op_at);
    },
    stop() {
      for (const t of timers.values()) t.cancel();
      timers.clear();
    },
  };
}
