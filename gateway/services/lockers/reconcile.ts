import type { StateReportMessage } from '../../../devices/locker/messages.ts';
import type { Db } from '../../store/db.ts';
import { alertKey, raiseAlert } from './alerts.ts';
import type { CompartmentRow, Ctx, Effects } from './context.ts';
import { checkOccupancy, onDoor } from './doors.ts';

/**
 * A controller (re)connected and says what its sensors see. The database says what should be; where they differ
 * the report wins for physical facts (door, occupancy) and the pending operations are finished from it: a door
 * opened for a load before a gateway crash and closed while it was down ends the load exactly as a live
 * door-closed event would. Returns a short list of what changed, for the log and the staff page.
 */
export async function reconcile(ctx: Ctx, tx: Db, fx: Effects, controllerId: string, report: StateReportMessage): Promise<string[]> {
  const changes: string[] = [];
  const now = ctx.now();
  if (report.powerLoss) {
    const raised = await raiseAlert(
      tx,
      fx,
      controllerId,
      {
        key: alertKey.powerLoss(controllerId),
        severity: 'warning',
        message: `locker controller ${controllerId} lost power; state reconciled`,
        deviceId: controllerId,
      },
      now,
    );
    if (raised) changes.push('power loss');
  }
  const rows = await tx.all<CompartmentRow>('SELECT * FROM locker_compartments WHERE controller_id = ?', [controllerId]);
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const seen of report.compartments) {
    const c = byId.get(seen.id);
    if (!c) {
      changes.push(`${seen.id}: unknown to the gateway, ignored`);
      continue;
    }
    const occupiedBefore = c.occupied === null ? null : c.occupied === 1;
    // a compartment marked `check` (its door did not answer) that reports again is replayed too, which clears the mark
    if (c.door !== seen.door || c.op || c.fault === 'check') {
      if (c.op && seen.door === 'closed') changes.push(`${c.id}: pending ${c.op} finished from the report (${seen.occupied ? 'occupied' : 'empty'})`);
      else if (c.door !== seen.door) changes.push(`${c.id}: door ${c.door} → ${seen.door}`);
      // an open door with a pending op keeps waiting for its close; anything else is replayed as a door event
      if (!(c.op && seen.door === 'open' && c.door === 'open')) await onDoor(ctx, tx, fx, controllerId, c.id, seen.door, seen.occupied);
    } else if (occupiedBefore !== seen.occupied) {
      changes.push(`${c.id}: occupancy ${occupiedBefore} → ${seen.occupied}`);
      await tx.run('UPDATE locker_compartments SET occupied = ?, updated_at = ? WHERE id = ?', [seen.occupied ? 1 : 0, now, c.id]);
      await checkOccupancy(ctx, tx, fx, c.id);
    } else await checkOccupancy(ctx, tx, fx, c.id);
  }
  if (changes.length) fx.emit('locker.state.reconciled', controllerId, { controllerId, changes });
  return changes;
}
