// The operator's own account: changing the password (the first admin's printed one first of all)
// and two-step login (totp.ts).
import { type Api, errorText, type Me } from './api';
import { h } from './dom';
import { totpSection } from './totp';

const MESSAGES: Record<string, string> = {
  invalid_credentials: 'The current password is wrong.',
  rate_limited: 'Too many wrong passwords; wait a few minutes and try again.',
  bad_request: 'The new password needs at least 10 characters.',
};

export function accountView(api: Api, me: Me): HTMLElement {
  const { username } = me;
  const input = (id: string, autocomplete: string, minlength?: number) =>
    h('input', { id, name: id, type: 'password', autocomplete, required: true, ...(minlength ? { minlength } : {}) });
  const current = input('current-password', 'current-password');
  const next = input('new-password', 'new-password', 10);
  const repeat = input('repeat-password', 'new-password', 10);
  const status = h('p', { role: 'status', id: 'password-status' });
  const button = h('button', { type: 'submit' }, 'Change password');
  const form = h(
    'form',
    {
      class: 'login',
      'aria-label': 'Change password',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        status.className = 'error';
        if (next.value !== repeat.value) {
          status.textContent = 'The new password and its repetition differ.';
          repeat.focus();
          return;
        }
        status.textContent = '';
        button.disabled = true;
        try {
          await api.changePassword(current.value, next.value);
          form.reset();
          status.className = '';
          status.textContent = 'Password changed. Use it at your next login.';
        } catch (err) {
          status.textContent = errorText(err, MESSAGES);
        } finally {
          button.disabled = false;
        }
      },
    },
    h('h1', {}, `Account: ${username}`),
    h('input', { type: 'text', name: 'username', autocomplete: 'username', value: username, hidden: true }),
    h('div', { class: 'field' }, h('label', { for: 'current-password' }, 'Current password'), current),
    h('div', { class: 'field' }, h('label', { for: 'new-password' }, 'New password (10 characters or more)'), next),
    h('div', { class: 'field' }, h('label', { for: 'repeat-password' }, 'New password again'), repeat),
    status,
    button,
  );
  queueMicrotask(() => current.focus());
  return h('div', { class: 'account' }, form, totpSection(api, me.totpEnabled));
}
