// For admins: enrollment-token creation (the token is shown once), the operators, and the session
// audit trail.
import type { AuditEntry, EnrollmentTokenReply, GroupView } from '@rc-relay/protocol';
import type { Api } from './api';
import { fill, h, listTable, options } from './dom';
import { operatorsSection } from './operators';

export function adminView(api: Api, myId: string): HTMLElement {
  const audit = h('tbody', {});
  const auditNote = h('p', { class: 'note', role: 'status' });
  const group = h('select', { id: 'token-group' });
  const maxUses = h('input', { id: 'token-uses', type: 'number', min: 1, max: 100000, value: 1 });
  const days = h('input', { id: 'token-days', type: 'number', min: 1, max: 30, value: 1 });
  const result = h('div', { id: 'token-result', role: 'status', 'aria-live': 'polite' });

  const loadAudit = async () => {
    try {
      const rows = await api.request<AuditEntry[]>('GET', '/api/v1/sessions?limit=200');
      auditNote.textContent =
        rows.length === 0
          ? 'No sessions yet.'
          : rows.length === 1
            ? 'One session.'
            : `The ${rows.length} most recent sessions.`;
      fill(
        audit,
        rows.map((r) =>
          h(
            'tr',
            {},
            h('td', {}, new Date(r.requestedAt).toLocaleString()),
            h('td', {}, r.operator),
            h('td', {}, r.hostname),
            h('td', {}, `${r.mode} / ${r.transport}`),
            h('td', {}, r.outcome + (r.reason ? ` (${r.reason})` : '')),
            h('td', {}, r.endedAt ? `${new Date(r.endedAt).toLocaleTimeString()} ${r.endReason ?? ''}` : '—'),
          ),
        ),
      );
    } catch (err) {
      auditNote.textContent = `The audit trail could not be loaded: ${(err as Error).message}`;
    }
  };

  // Fetched once for both group pickers: the token's and a new operator's.
  const groupNames = api
    .request<GroupView[]>('GET', '/api/v1/groups')
    .then((gs) => gs.map((g) => g.name))
    .catch(() => []);
  void groupNames.then((names) => fill(group, options(names)));

  const create = async (e: Event) => {
    e.preventDefault();
    try {
      const r = await api.request<EnrollmentTokenReply>('POST', '/api/v1/enrollment-tokens', {
        ...(group.value ? { group: group.value } : {}),
        maxUses: Number(maxUses.value),
        expiresIn: Number(days.value) * 86400,
      });
      const out = h('input', {
        id: 'token-value',
        class: 'token',
        readonly: true,
        value: r.token,
        size: r.token.length,
        'aria-label': 'Enrollment token',
      });
      const copy = h(
        'button',
        {
          type: 'button',
          onclick: () =>
            navigator.clipboard.writeText(r.token).then(
              () => (copy.textContent = 'Copied'),
              () => (copy.textContent = 'Copy refused: select the token and copy it'),
            ),
        },
        'Copy',
      );
      fill(
        result,
        h(
          'p',
          {},
          `Token for group ${group.value || 'default'}, valid until ${new Date(r.expiresAt).toLocaleString()}. It is shown only now:`,
        ),
        h('div', { class: 'row' }, out, copy),
        h(
          'p',
          {},
          `On the PC, in a clone of rc-relay after npm ci (see the README's "The agent"), with ${location.origin} as that PC reaches the relay:`,
        ),
        h('pre', {}, `npx rc-agent enroll --server ${location.origin} --token ${r.token}`),
      );
      out.select();
    } catch (err) {
      fill(result, h('p', { class: 'error' }, `No token: ${(err as Error).message}`));
    }
  };

  void loadAudit();
  return h(
    'section',
    { class: 'admin' },
    h('h2', {}, 'New enrollment token'),
    h(
      'form',
      { onsubmit: create, class: 'row' },
      h('label', { for: 'token-group' }, 'Group'),
      group,
      h('label', { for: 'token-uses' }, 'Uses'),
      maxUses,
      h('label', { for: 'token-days' }, 'Valid (days)'),
      days,
      h('button', { type: 'submit', id: 'token-create' }, 'Create token'),
    ),
    result,
    operatorsSection(api, myId, groupNames),
    h('h2', {}, 'Audit trail ', h('button', { type: 'button', onclick: () => void loadAudit() }, 'Refresh')),
    auditNote,
    listTable({ id: 'audit' }, ['Requested', 'Operator', 'Device', 'Mode', 'Outcome', 'Ended'], audit),
  );
}
