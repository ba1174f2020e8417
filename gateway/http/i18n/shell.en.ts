/** The staff shell's words (login, errors) in English: the key set every language must have. */
export const shellEn = {
  lang_name: 'English',
  staff_login: 'Staff login',
  login_placeholder: 'your login',
  pin_placeholder: 'PIN or password',
  log_in: 'Log in',
  log_out: 'Log out',
  or_token: 'or with a staff or integration token',
  token_placeholder: 'staff token',
  login_refused: 'Wrong login or PIN.',
  login_locked: 'This account is locked after too many wrong PINs: try again in a while or ask store IT to reset it.',
  token_refused: 'That token was refused.',
  logged_in_as: 'logged in as {name}',
  no_answer: 'The gateway did not answer: check the network and try again.',
  refused: 'Your login has ended or was refused: log in again.',
  forbidden: 'Your role may not do this here.',
  too_many: 'Too many wrong tries from this device: wait a minute, then log in again.',
  server: 'The gateway had a problem ({status}): try again; if it persists, tell store IT.',
  failed: 'That did not work ({status}).',
  not_updating: 'not updating: {why}',
};
export type ShellMessages = Record<keyof typeof shellEn, string>;
