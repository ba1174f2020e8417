import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { systemClock } from '../../clock.ts';
import { loadConfig } from '../../config/load.ts';
import { createStaffAccounts, LANGUAGES, type Language, STAFF_ROLES, type StaffAccounts, type StaffRole } from '../../staff/accounts.ts';
import { staffMigrations } from '../../staff/migrations.ts';
import { openDb } from '../../store/db.ts';
import { migrate } from '../../store/migrate.ts';

/**
 * Staff accounts through the data dir's database, with or without a running gateway (a running one ends the
 * sessions of a disabled person within seconds). A made PIN is printed once and stored only as its scrypt hash.
 */
async function withAccounts<T>(configFile: string | undefined, fn: (a: StaffAccounts) => Promise<T>) {
  const config = loadConfig(configFile ? { file: configFile } : {});
  const db = await openDb(join(resolve(config.dataDir), 'storegate.db'), { synchronous: config.store.synchronous });
  try {
    await migrate(db, staffMigrations);
    return await fn(createStaffAccounts({ db, clock: systemClock, lockout: { maxFailures: config.staff.maxFailures, lockMinutes: config.staff.lockMinutes } }));
  } finally {
    await db.close();
  }
}

/** a PIN given on the command line would stay in the shell history: read it from stdin when asked to */
async function pinFromStdin(on: boolean | undefined): Promise<string | undefined> {
  if (!on) return undefined;
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text.replace(/\r?\n$/, '');
}

const printPin = (login: string, pin: string | undefined) => {
  if (pin) process.stdout.write(`PIN for ${login}: ${pin}\n(shown only now; \`storegate staff reset ${login}\` makes a new one)\n`);
};

export function registerStaff(program: Command) {
  const staff = program.command('staff').description('staff accounts: one per person, with a role and a PIN');
  staff
    .command('add')
    .description('add a person; prints a new 6-digit PIN once (or reads a PIN/password from stdin with --pin-stdin)')
    .requiredOption('--login <login>', 'login, e.g. anna.k')
    .requiredOption('--name <name>', 'the name shown on pages and in audit logs')
    .requiredOption('--role <role>', `one of ${STAFF_ROLES.join(', ')}`)
    .option('--language <lang>', `the person's page language: ${LANGUAGES.join(', ')}`)
    .option('--pin-stdin', 'read the PIN or password from stdin instead of making one')
    .option('-c, --config <file>', 'config file')
    .action(async (o: { login: string; name: string; role: string; language?: string; pinStdin?: boolean; config?: string }) => {
      const secret = await pinFromStdin(o.pinStdin);
      const out = await withAccounts(o.config, (a) =>
        a.add({
          login: o.login,
          name: o.name,
          role: o.role as StaffRole,
          ...(secret ? { secret } : {}),
          ...(o.language ? { language: o.language as Language } : {}),
        }),
      );
      process.stdout.write(`staff ${out.account.login} (${out.account.name}, ${out.account.role}) added\n`);
      printPin(out.account.login, out.pin);
    });
  staff
    .command('list')
    .description('list staff accounts')
    .option('-c, --config <file>', 'config file')
    .option('--json', 'print JSON lines')
    .action(async (o: { config?: string; json?: boolean }) => {
      const list = await withAccounts(o.config, (a) => a.list());
      if (o.json) {
        for (const s of list) process.stdout.write(`${JSON.stringify(s)}\n`);
        return;
      }
      const rows = list.map((s) => [s.login, s.name, s.role, s.enabled ? (s.lockedUntil ? `locked until ${s.lockedUntil}` : 'enabled') : 'disabled']);
      const head = ['LOGIN', 'NAME', 'ROLE', 'STATE'];
      const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
      for (const r of [head, ...rows]) process.stdout.write(`${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}\n`);
    });
  for (const [name, enabled] of [
    ['disable', false],
    ['enable', true],
  ] as const)
    staff
      .command(name)
      .description(enabled ? 'let a disabled person log in again' : 'stop a person logging in; a running gateway ends their sessions')
      .argument('<login>')
      .option('-c, --config <file>', 'config file')
      .action(async (login: string, o: { config?: string }) => {
        await withAccounts(o.config, (a) => a.setEnabled(login, enabled));
        process.stdout.write(`staff ${login} ${enabled ? 'enabled' : 'disabled'}\n`);
      });
  staff
    .command('reset')
    .description('a new PIN (printed once, or from stdin with --pin-stdin); clears a lockout')
    .argument('<login>')
    .option('--pin-stdin', 'read the PIN or password from stdin')
    .option('-c, --config <file>', 'config file')
    .action(async (login: string, o: { config?: string; pinStdin?: boolean }) => {
      const secret = await pinFromStdin(o.pinStdin);
      const out = await withAccounts(o.config, (a) => a.reset(login, secret));
      process.stdout.write(`staff ${login}: PIN reset\n`);
      printPin(login, out.pin);
    });
}
