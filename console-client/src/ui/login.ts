// The login form: username and password, and a TOTP code once the relay says the account needs one.
import { type Api, ApiError, errorText } from './api';
import { h } from './dom';

const MESSAGES: Record<string, string> = {
  invalid_credentials: 'Wrong username or password.',
  totp_invalid: 'That code is wrong or expired; use the current one.',
  rate_limited: 'Too many attempts; wait a few minutes and try again.',
};

export function loginView(api: Api, done: () => void): HTMLElement {
  const user = h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true });
  const pass = h('input', {
    id: 'password',
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const totp = h('input', {
    id: 'totp',
    name: 'totp',
    inputmode: 'numeric',
    autocomplete: 'one-time-code',
    pattern: '[0-9]{6}',
    maxlength: 6,
  });
  const totpRow = h('div', { class: 'field', hidden: true }, h('label', { for: 'totp' }, 'Authenticator code'), totp);
  const error = h('p', { class: 'error', role: 'alert', id: 'login-error' });
  const button = h('button', { type: 'submit' }, 'Log in');
  const form = h(
    'form',
    {
      class: 'login',
      'aria-label': 'Log in',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        error.textContent = '';
        button.disabled = true;
        try {
          await api.login(user.value, pass.value, totpRow.hidden ? undefined : totp.value);
          done();
        } catch (err) {
          if (err instanceof ApiError && err.code === 'totp_required') {
            totpRow.hidden = false;
            totp.focus();
            error.textContent = 'This account uses two-factor login: enter the code from your authenticator.';
          } else error.textContent = errorText(err, MESSAGES);
        } finally {
          button.disabled = false;
        }
      },
    },
    h('h1', {}, 'rc-relay console'),
    h('div', { class: 'field' }, h('label', { for: 'username' }, 'Username'), user),
    h('div', { class: 'field' }, h('label', { for: 'password' }, 'Password'), pass),
    totpRow,
    button,
    error,
  );
  queueMicrotask(() => user.focus());
  return form;
}
