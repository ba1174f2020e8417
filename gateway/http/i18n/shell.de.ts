import type { ShellMessages } from './shell.en.ts';

export const shellDe: ShellMessages = {
  lang_name: 'Deutsch',
  staff_login: 'Anmeldung für Mitarbeitende',
  login_placeholder: 'Ihr Login',
  pin_placeholder: 'PIN oder Passwort',
  log_in: 'Anmelden',
  log_out: 'Abmelden',
  or_token: 'oder mit einem Mitarbeiter- oder Integrations-Token',
  token_placeholder: 'Mitarbeiter-Token',
  login_refused: 'Login oder PIN falsch.',
  login_locked: 'Dieses Konto ist nach zu vielen falschen PINs gesperrt: später erneut versuchen oder die Store-IT um ein Zurücksetzen bitten.',
  token_refused: 'Dieses Token wurde abgelehnt.',
  logged_in_as: 'angemeldet als {name}',
  no_answer: 'Das Gateway antwortet nicht: Netzwerk prüfen und erneut versuchen.',
  refused: 'Ihre Anmeldung ist abgelaufen oder wurde abgelehnt: bitte neu anmelden.',
  forbidden: 'Ihre Rolle darf das hier nicht.',
  too_many: 'Zu viele Fehlversuche von diesem Gerät: eine Minute warten, dann neu anmelden.',
  server: 'Das Gateway hatte ein Problem ({status}): erneut versuchen; wenn es bleibt, die Store-IT informieren.',
  failed: 'Das hat nicht geklappt ({status}).',
  not_updating: 'keine Aktualisierung: {why}',
};
