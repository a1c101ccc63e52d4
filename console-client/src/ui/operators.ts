// For admins: the operators of this relay. Create one (name, first password, role, device groups),
// disable or enable, turn off the two-step login of one who lost their authenticator, delete.
import type { OperatorView } from '@rc-relay/protocol';
import { type Api, errorText } from './api';
import { fill, h, listTable, options } from './dom';

const MESSAGES: Record<string, string> = {
  conflict: 'An operator of that name exists.',
  bad_request: 'The relay refused it: a name is letters, digits and . _ @ -, a password at least 10 characters.',
  forbidden: 'An admin cannot disable or delete themself.',
};

export function operatorsSection(api: Api, myId: string, groupNames: Promise<string[]>): HTMLElement {
  const rows = h('tbody', {});
  const status = h('p', { id: 'operators-status', class: 'note', role: 'status', 'aria-live': 'polite' });
  const username = h('input', {
    id: 'op-username',
    required: true,
    autocomplete: 'off',
    maxlength: 64,
    // The relay's rule (protocol Username); the dash escaped, as the pattern attribute's v flag needs.
    pattern: '[A-Za-z0-9_.@\\-]+',
    title: 'letters, digits and . _ @ -',
  });
  const password = h('input', {
    id: 'op-password',
    type: 'password',
    required: true,
    minlength: 10,
    autocomplete: 'new-password',
  });
  const role = h(
    'select',
    { id: 'op-role' },
    h('option', { value: 'operator' }, 'operator'),
    h('option', { value: 'viewer' }, 'viewer (view only)'),
    h('option', { value: 'admin' }, 'admin'),
  );
  const groups = h('select', { id: 'op-groups', multiple: true, size: 3 });

  /** Runs one change, shows the list as the relay now has it, then says how the change went. */
  const act = async (done: string, call: () => Promise<unknown>) => {
    let said = done;
    try {
      await call();
    } catch (err) {
      said = errorText(err, MESSAGES);
    }
    if (await load()) status.textContent = said;
  };

  const row = (o: OperatorView) => {
    const me = o.id === myId;
    const patch = (body: object, done: string) => () =>
      act(done, () => api.request('PATCH', `/api/v1/operators/${o.id}`, body));
    return h(
      'tr',
      { 'data-operator': o.username },
      h('td', {}, o.username, me ? ' (you)' : ''),
      h('td', {}, o.role),
      h('td', {}, o.role === 'admin' ? 'all' : o.groups.join(', ') || 'none'),
      h('td', {}, o.totpEnabled ? 'on' : 'off'),
      h('td', {}, o.disabled ? 'disabled' : 'active'),
      h(
        'td',
        { class: 'actions' },
        me
          ? null
          : h(
              'button',
              {
                type: 'button',
                onclick: patch({ disabled: !o.disabled }, `${o.username} ${o.disabled ? 'enabled' : 'disabled'}.`),
              },
              o.disabled ? 'Enable' : 'Disable',
            ),
        o.totpEnabled
          ? h(
              'button',
              {
                type: 'button',
                onclick: patch(
                  { totp: false },
                  `Two-step login of ${o.username} turned off; they may set it up again.`,
                ),
              },
              'Turn off two-step login',
            )
          : null,
        me
          ? null
          : h(
              'button',
              {
                type: 'button',
                onclick: () => {
                  if (!confirm(`Delete operator ${o.username}? Their sessions end now.`)) return;
                  void act(`${o.username} deleted.`, () => api.request('DELETE', `/api/v1/operators/${o.id}`));
                },
              },
              'Delete',
            ),
      ),
    );
  };

  /** The list, re-read; false (and said) when it could not be. */
  const load = async (): Promise<boolean> => {
    try {
      const list = await api.request<OperatorView[]>('GET', '/api/v1/operators');
      fill(rows, list.map(row));
      return true;
    } catch (err) {
      status.textContent = `The operators could not be loaded: ${errorText(err, MESSAGES)}`;
      return false;
    }
  };

  const create = (e: Event) => {
    e.preventDefault();
    const name = username.value.trim();
    const chosen = [...groups.selectedOptions].map((o) => o.value);
    void act(`${name} created; give them their password by a channel of your own.`, async () => {
      await api.request('POST', '/api/v1/operators', {
        username: name,
        password: password.value,
        role: role.value,
        ...(chosen.length ? { groups: chosen } : {}),
      });
      username.value = '';
      password.value = '';
    });
  };

  void load();
  void groupNames.then((names) => fill(groups, options(names)));
  return h(
    'div',
    {},
    h('h2', {}, 'Operators'),
    h(
      'form',
      { onsubmit: create, class: 'row', id: 'operator-create' },
      h('label', { for: 'op-username' }, 'Name'),
      username,
      h('label', { for: 'op-password' }, 'First password'),
      password,
      h('label', { for: 'op-role' }, 'Role'),
      role,
      h('label', { for: 'op-groups' }, 'Device groups'),
      groups,
      h('button', { type: 'submit', id: 'op-create' }, 'Create operator'),
    ),
    status,
    listTable({ id: 'operators' }, ['Name', 'Role', 'Device groups', 'Two-step login', 'State', ''], rows),
  );
}
