import { randomInt } from 'node:crypto';
import type { Clock } from '../clock.ts';
import { Errors } from '../errors.ts';
import type { Db } from '../store/db.ts';
import { DUMMY_HASH, hashSecret, verifySecret } from './kdf.ts';

/** What a person may do: `fulfilment` (lockers), `fitting` (fitting rooms), `admin` (store IT: everything). */
export const STAFF_ROLES = ['fulfilment', 'fitting', 'admin'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];
export const LANGUAGES = ['en', 'de'] as const;
export type Language = (typeof LANGUAGES)[number];

export const LOGIN_PATTERN = '^[a-z0-9][a-z0-9._-]{1,31}$';
const LOGIN = new RegExp(LOGIN_PATTERN);
/** a PIN is 6–12 digits, a password 10–128 characters: with the lockout, a PIN's 10^6 is out of reach online */
export function checkSecret(s: string): string | null {
  if (/^\d+$/.test(s)) return s.length >= 6 && s.length <= 12 ? null : 'a PIN has 6 to 12 digits';
  return s.length >= 10 && s.length <= 128 ? null : 'a password has 10 to 128 characters (or use a PIN of 6 to 12 digits)';
}

export interface StaffAccount {
  login: string;
  name: string;
  role: StaffRole;
  enabled: boolean;
  lockedUntil: string | null;
  language: Language | null;
  createdAt: string;
}
interface Row {
  login: string;
  name: string;
  role: StaffRole;
  secret_hash: string;
  enabled: number;
  failures: number;
  locked_until: number | null;
  language: Language | null;
  created_at: number;
}

export interface LockoutPolicy {
  /** wrong PINs in a row before the account locks */
  maxFailures: number;
  lockMinutes: number;
}

export type VerifyResult = { ok: true; account: StaffAccount } | { ok: false; reason: 'unknown' | 'wrong' | 'locked' | 'disabled' };

const newPin = () => String(randomInt(0, 1_000_000)).padStart(6, '0');

/**
 * Per-person staff accounts in the gateway's database. Store IT adds, disables and resets them (API, dashboard,
 * CLI through the database file). A wrong PIN counts against the account; `maxFailures` in a row lock it for
 * `lockMinutes`, whatever address the tries come from. A reset clears the lock.
 */
export function createStaffAccounts(deps: { db: Db; clock: Clock; lockout?: LockoutPolicy }) {
  const { db, clock } = deps;
  const policy = deps.lockout ?? { maxFailures: 5, lockMinutes: 15 };
  const view = (r: Row): StaffAccount => ({
    login: r.login,
    name: r.name,
    role: r.role,
    enabled: r.enabled === 1,
    lockedUntil: r.locked_until && r.locked_until > clock.now() ? new Date(r.locked_until).toISOString() : null,
    language: r.language,
    createdAt: new Date(r.created_at).toISOString(),
  });
  const row = (login: string) => db.get<Row>('SELECT * FROM staff_accounts WHERE login = ?', [login]);
  const must = async (login: string) => {
    const r = await row(login);
    if (!r) throw new Errors.notFound(`staff account ${login}`);
    return r;
  };

  return {
    /** Adds a person; without `secret` a 6-digit PIN is made. The PIN is in the answer and nowhere else. */
    async add(a: { login: string; name: string; role: StaffRole; secret?: string; language?: Language }) {
      if (!LOGIN.test(a.login)) throw new Errors.invalid('login: 2–32 characters a-z 0-9 . _ -, starting with a letter or digit');
      if (!STAFF_ROLES.includes(a.role)) throw new Errors.invalid(`role must be one of ${STAFF_ROLES.join(', ')}`);
      const secret = a.secret ?? newPin();
      const bad = checkSecret(secret);
      if (bad) throw new Errors.invalid(bad);
      if (await row(a.login)) throw new Errors.conflict(`staff account ${a.login} exists`);
      const now = clock.now();
      await db.run('INSERT INTO staff_accounts (login, name, role, secret_hash, language, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
        a.login,
        a.name,
        a.role,
        await hashSecret(secret),
        a.language ?? null,
        now,
        now,
      ]);
      return { account: view((await row(a.login)) as Row), ...(a.secret ? {} : { pin: secret }) };
    },
    async list(): Promise<StaffAccount[]> {
      return (await db.all<Row>('SELECT * FROM staff_accounts ORDER BY login')).map(view);
    },
    async get(login: string) {
      const r = await row(login);
      return r ? view(r) : null;
    },
    async setEnabled(login: string, enabled: boolean) {
      await must(login);
      await db.run('UPDATE staff_accounts SET enabled = ?, updated_at = ? WHERE login = ?', [enabled ? 1 : 0, clock.now(), login]);
      return view(await must(login));
    },
    /** A new PIN (made when not given) and the lock cleared: for a forgotten PIN or a locked-out person. */
    async reset(login: string, secret?: string) {
      await must(login);
      const next = secret ?? newPin();
      const bad = checkSecret(next);
      if (bad) throw new Errors.invalid(bad);
      await db.run('UPDATE staff_accounts SET secret_hash = ?, failures = 0, locked_until = NULL, updated_at = ? WHERE login = ?', [
        await hashSecret(next),
        clock.now(),
        login,
      ]);
      return { account: view(await must(login)), ...(secret ? {} : { pin: next }) };
    },
    /** logins that may no longer act (disabled or deleted): their sessions end */
    async disabledLogins(logins: string[]): Promise<string[]> {
      if (!logins.length) return [];
      const on = await db.all<{ login: string }>(
        `SELECT login FROM staff_accounts WHERE enabled = 1 AND login IN (${logins.map(() => '?').join(',')})`,
        logins,
      );
      const enabled = new Set(on.map((r) => r.login));
      return logins.filter((l) => !enabled.has(l));
    },
    async verify(login: string, secret: string): Promise<VerifyResult> {
      const r = await row(login);
      // an unknown login costs the same scrypt as a known one: the answer time does not tell which logins exist
      if (!r) {
        await verifySecret(secret, DUMMY_HASH);
        return { ok: false, reason: 'unknown' };
      }
      const now = clock.now();
      if (r.locked_until && r.locked_until > now) return { ok: false, reason: 'locked' };
      const ok = await verifySecret(secret, r.secret_hash);
      if (!ok) {
        const failures = r.locked_until ? 1 : r.failures + 1;
        const lock = failures >= policy.maxFailures ? now + policy.lockMinutes * 60_000 : null;
        await db.run('UPDATE staff_accounts SET failures = ?, locked_until = ? WHERE login = ?', [lock ? 0 : failures, lock, login]);
        return { ok: false, reason: lock ? 'locked' : 'wrong' };
      }
      if (r.enabled !== 1) return { ok: false, reason: 'disabled' };
      if (r.failures || r.locked_until) await db.run('UPDATE staff_accounts SET failures = 0, locked_until = NULL WHERE login = ?', [login]);
      return { ok: true, account: view({ ...r, failures: 0, locked_until: null }) };
    },
  };
}

export type StaffAccounts = ReturnType<typeof createStaffAccounts>;
