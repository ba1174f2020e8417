import { $, api, esc, say } from './core.js';

/**
 * Staff accounts (store IT): add a person with a role (a 6-digit PIN is made and shown once), disable or enable,
 * reset a forgotten PIN or a lockout. All through /api/v1/staff (admin).
 */
export async function loadStaff() {
  const { staff } = await api('GET', '/api/v1/staff');
  $('staff').innerHTML = staff.length
    ? staff
        .map(
          (s) =>
            `<tr data-login="${esc(s.login)}"><td>${esc(s.login)}</td><td>${esc(s.name)}</td><td>${esc(s.role)}</td><td>${
              s.enabled ? (s.lockedUntil ? `locked until ${esc(new Date(s.lockedUntil).toLocaleTimeString())}` : 'enabled') : 'disabled'
            }</td><td><button type="button" data-act="${s.enabled ? 'disable' : 'enable'}">${s.enabled ? 'Disable' : 'Enable'}</button> <button type="button" class="secondary" data-act="reset">New PIN</button></td></tr>`,
        )
        .join('')
    : '<tr><td colspan="5">No staff accounts yet.</td></tr>';
}

function showPin(login, pin) {
  $('pinFor').textContent = login;
  $('pin').textContent = pin;
  $('pinBox').hidden = false;
  $('pinDone').focus();
}

export function initStaff() {
  $('staffForm').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = { login: $('staffNewLogin').value.trim(), name: $('staffNewName').value.trim(), role: $('staffNewRole').value };
    try {
      const { account, pin } = await api('POST', '/api/v1/staff', body);
      $('staffForm').reset();
      showPin(account.login, pin);
      await loadStaff();
    } catch (e) {
      say(`Adding ${body.login} failed: ${e.message}`, true);
    }
  });
  $('staff').addEventListener('click', async (ev) => {
    const b = ev.target.closest('button[data-act]');
    if (!b) return;
    const login = b.closest('tr').dataset.login;
    try {
      const out = await api('POST', `/api/v1/staff/${encodeURIComponent(login)}/${b.dataset.act}`, b.dataset.act === 'reset' ? {} : undefined);
      if (out.pin) showPin(login, out.pin);
      else say(`${login}: ${b.dataset.act}d`);
      await loadStaff();
    } catch (e) {
      say(`${login}: ${e.message}`, true);
    }
  });
  $('pinDone').addEventListener('click', () => {
    $('pin').textContent = '';
    $('pinBox').hidden = true;
  });
}
