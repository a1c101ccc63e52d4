// The device list: search and filters (online, OS, group) over the live presence the signalling
// socket keeps, and a detail panel (user sessions, monitors, last seen) with the connect actions.
import type { DeviceSummary } from '@rc-relay/protocol';
import { ago, fill, h, listTable } from './dom';
import type { Route } from './session/rtc';
import type { ConsoleSocket } from './signalling';

export interface ConnectRequest {
  deviceId: string;
  mode: 'view' | 'control';
  route: Route;
}

export class DeviceList {
  readonly el: HTMLElement;
  private readonly rows: HTMLTableSectionElement;
  private readonly detail: HTMLElement;
  private readonly q: HTMLInputElement;
  private readonly online: HTMLSelectElement;
  private readonly os: HTMLSelectElement;
  private readonly group: HTMLSelectElement;
  private readonly summary: HTMLElement;
  private selected: string | null = null;
  private readonly off: (() => void)[] = [];

  constructor(
    private readonly socket: ConsoleSocket,
    private readonly canControl: boolean,
    private readonly onConnect: (r: ConnectRequest) => void,
  ) {
    const render = () => this.render();
    this.q = h('input', { id: 'search', type: 'search', placeholder: 'Hostname or id', oninput: render });
    this.online = h(
      'select',
      { id: 'filter-online', onchange: render },
      h('option', { value: '' }, 'All'),
      h('option', { value: 'true' }, 'Online'),
      h('option', { value: 'false' }, 'Offline'),
    );
    this.os = h(
      'select',
      { id: 'filter-os', onchange: render },
      h('option', { value: '' }, 'Any OS'),
      ['linux', 'windows', 'macos', 'other'].map((o) => h('option', { value: o }, o)),
    );
    this.group = h('select', { id: 'filter-group', onchange: render });
    this.summary = h('p', { class: 'summary', role: 'status', id: 'device-count' });
    this.rows = h('tbody', {});
    this.detail = h('aside', { class: 'detail', id: 'device-detail', 'aria-live': 'polite' });
    this.el = h(
      'section',
      { class: 'devices' },
      h(
        'div',
        { class: 'filters', role: 'search' },
        h('label', { for: 'search' }, 'Search'),
        this.q,
        h('label', { for: 'filter-online' }, 'Status'),
        this.online,
        h('label', { for: 'filter-os' }, 'OS'),
        this.os,
        h('label', { for: 'filter-group' }, 'Group'),
        this.group,
        this.summary,
      ),
      h(
        'div',
        { class: 'split' },
        listTable({ 'aria-label': 'Devices' }, ['Device', 'Status', 'OS', 'Group', 'Last seen'], this.rows),
        this.detail,
      ),
    );
    this.off.push(socket.onPresence(render), socket.onState(render));
    this.render();
    queueMicrotask(() => this.q.focus());
  }

  dispose(): void {
    for (const f of this.off) f();
  }

  private matches(d: DeviceSummary): boolean {
    const q = this.q.value.trim().toLowerCase();
    if (q && !d.hostname.toLowerCase().includes(q) && !d.id.toLowerCase().includes(q)) return false;
    if (this.online.value && String(d.online) !== this.online.value) return false;
    if (this.os.value && d.os !== this.os.value) return false;
    if (this.group.value && d.group !== this.group.value) return false;
    return true;
  }

  private render() {
    const all = [...this.socket.devices.values()];
    const groups = [...new Set(all.map((d) => d.group))].sort();
    const g = this.group.value;
    fill(
      this.group,
      h('option', { value: '' }, 'All groups'),
      groups.map((name) => h('option', { value: name, selected: name === g }, name)),
    );
    const shown = all
      .filter((d) => this.matches(d))
      .sort((a, b) => Number(b.online) - Number(a.online) || a.hostname.localeCompare(b.hostname));
    const online = all.filter((d) => d.online).length;
    this.summary.textContent = !this.socket.connected
      ? 'Reconnecting to the relay…'
      : all.length === 0
        ? `${shown.length} shown · ${online} of ${all.length} online. No devices yet: a PC appears here once its agent is enrolled with a token (Admin → New enrollment token).`
        : `${shown.length} shown · ${online} of ${all.length} online`;
    fill(
      this.rows,
      shown.map((d) =>
        h(
          'tr',
          { 'data-device': d.id, class: d.id === this.selected ? 'selected' : '' },
          h(
            'td',
            {},
            h(
              'button',
              {
                type: 'button',
                class: 'link',
                onclick: () => this.select(d.id),
                'aria-label': `Details of ${d.hostname}`,
              },
              d.hostname,
            ),
          ),
          h('td', {}, h('span', { class: d.online ? 'dot on' : 'dot' }), d.online ? 'online' : 'offline'),
          h('td', {}, d.os),
          h('td', {}, d.group),
          h('td', {}, d.online ? 'now' : ago(d.lastSeen)),
        ),
      ),
    );
    this.renderDetail();
  }

  private select(id: string) {
    this.selected = id;
    this.render();
    (this.detail.querySelector('button') as HTMLButtonElement | null)?.focus();
  }

  private renderDetail() {
    const d = this.selected ? this.socket.devices.get(this.selected) : undefined;
    if (!d) return fill(this.detail, h('p', { class: 'note' }, 'Pick a device to see its details.'));
    const route = h(
      'select',
      { id: 'route' },
      h('option', { value: 'auto' }, 'Best path'),
      h('option', { value: 'relay' }, 'Through the relay (TURN) only'),
      h('option', { value: 'relay-tcp' }, 'Through the relay over TCP only'),
    );
    const connect = (mode: 'view' | 'control') => () =>
      this.onConnect({ deviceId: d.id, mode, route: route.value as Route });
    fill(
      this.detail,
      h('h2', {}, d.hostname),
      h(
        'dl',
        {},
        h('dt', {}, 'Status'),
        h('dd', {}, d.online ? 'online' : `offline, last seen ${ago(d.lastSeen)}`),
        h('dt', {}, 'OS'),
        h('dd', {}, d.os),
        h('dt', {}, 'Group'),
        h('dd', {}, d.group),
        h('dt', {}, 'Agent'),
        h('dd', {}, d.agentVersion ?? 'unknown'),
        h('dt', {}, 'Device id'),
        h('dd', {}, h('code', {}, d.id)),
      ),
      h('h3', {}, 'User sessions'),
      d.sessions.length
        ? h(
            'ul',
            {},
            d.sessions.map((s) => h('li', {}, `${s.user} on ${s.id} (${s.kind}${s.active ? ', active' : ''})`)),
          )
        : h('p', { class: 'note' }, 'None reported.'),
      h('h3', {}, 'Monitors'),
      d.monitors.length
        ? h(
            'ul',
            {},
            d.monitors.map((m) =>
              h('li', {}, `${m.name}: ${m.width}×${m.height} at ${m.x},${m.y}${m.primary ? ' (primary)' : ''}`),
            ),
          )
        : h('p', { class: 'note' }, 'None reported.'),
      h('label', { for: 'route' }, 'Network path'),
      route,
      h(
        'div',
        { class: 'row' },
        h('button', { type: 'button', id: 'connect-view', disabled: !d.online, onclick: connect('view') }, 'View'),
        this.canControl
          ? h(
              'button',
              {
                type: 'button',
                id: 'connect-control',
                class: 'primary',
                disabled: !d.online,
                onclick: connect('control'),
              },
              'Control',
            )
          : null,
      ),
      d.online
        ? null
        : h('p', { class: 'note' }, 'The device is offline: it cannot be reached until its agent reconnects.'),
    );
  }
}
