import type { StaffRole } from '../../http/auth.ts';

/**
 * Who may acknowledge or mute which alerts. Store IT (`admin`) may act on every alert. The staff who can fix the
 * thing may act on its alerts: fulfilment on locker alerts (a jam, a door left open, a keypad lockout), the
 * fitting-room team on mirror and RFID-reader alerts. Gateway, network, cloud, beacon and scanner alerts are store
 * IT's alone: nobody on the floor can fix a forwarder or re-place a beacon, and a floor mute must not hide them.
 * Mutes by zone (every kind in it) are store IT's only.
 */
const KIND_ROLE: Record<string, StaffRole> = { locker: 'fulfilment', mirror: 'fitting', rfid: 'fitting' };

/** the floor role that owns alerts of this device kind, besides admin */
export const roleForKind = (kind: string): StaffRole => KIND_ROLE[kind] ?? 'admin';

/** locker alerts name the compartment or controller in the key even when the device kind is not known */
export function roleForAlert(a: { key: string; kind: string }): StaffRole {
  if (a.key.startsWith('locker:') || a.key.startsWith('locker-controller:')) return 'fulfilment';
  return roleForKind(a.kind);
}

export function mayMute(roles: readonly StaffRole[], scope: { key?: string | null; kind?: string | null; zone?: string | null }, alertKind?: string) {
  if (roles.includes('admin')) return true;
  if (scope.zone && !scope.kind) return false;
  const role = scope.key ? roleForAlert({ key: scope.key, kind: alertKind ?? '' }) : roleForKind(scope.kind ?? '');
  return role !== 'admin' && roles.includes(role);
}
