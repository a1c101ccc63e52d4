// The console's entry: a hash router over login, devices, admin, an internet session, and the LAN
// view the local bridge opens (#/lan?token=…). One signalling socket for the whole login.

import { accountView } from './account';
import { adminView } from './admin';
import { Api, type Me } from './api';
import { DeviceList } from './devices';
import { fill, h } from './dom';
import { loginView } from './login';
import { internetSession } from './session/internet';
import { LanTransport } from './session/lan';
import { SessionView } from './session/view';
import { ConsoleSocket } from './signalling';

const api = new Api();
const socket = new ConsoleSocket(() => api.token);
const root = document.getElementById('app') as HTMLElement;
let me: Me | null = null;
let dispose: () => void = () => {};

api.onUnauthorized = () => logout();

function logout() {
  api.logout();
  socket.stop();
  me = null;
  go('#/login');
}

/** Navigates; re-routes even when the hash is already there (hashchange would not fire). */
function go(hash: string) {
  if (location.hash === hash) void route();
  else location.hash = hash;
}

function header(): HTMLElement {
  return h(
    'header',
    {},
    h(
      'nav',
      { 'aria-label': 'Main' },
      h('a', { href: '#/devices' }, 'Devices'),
      me?.role === 'admin' ? h('a', { href: '#/admin' }, 'Admin') : null,
    ),
    h('span', { class: 'who' }, me ? `${me.username} (${me.role})` : ''),
    h('a', { href: '#/account' }, 'Account'),
    h('button', { type: 'button', onclick: logout }, 'Log out'),
  );
}

function show(view: HTMLElement, withHeader = true, cleanup: () => void = () => {}) {
  dispose();
  dispose = cleanup;
  fill(root, withHeader ? header() : null, h('main', {}, view));
}

async function route() {
  const [path, query = ''] = location.hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(query);
  if (path === '/lan') return lan(params.get('token') ?? '');
  if (!api.token)
    return show(
      loginView(api, () => go('#/devices')),
      false,
    );
  if (!me) {
    try {
      me = await api.me();
    } catch {
      return logout();
    }
    socket.start();
  }
  if (path === '/admin' && me.role === 'admin') return show(adminView(api, me.id));
  if (path === '/account') {
    // Read again: two-step login may have been turned on or off since the login. If the relay
    // cannot be reached the page shows what the login read (a refused token logs out in api.ts).
    me = await api.me().catch(() => me!);
    return show(accountView(api, me));
  }
  const m = /^\/session\/([^/]+)\/(view|control)$/.exec(path ?? '');
  if (m) return session(decodeURIComponent(m[1]!), m[2] as 'view' | 'control', params.get('route'));
  const list = new DeviceList(socket, me.role !== 'viewer', (r) => {
    location.hash = `#/session/${encodeURIComponent(r.deviceId)}/${r.mode}?route=${r.route}`;
  });
  show(list.el, true, () => list.dispose());
}

function session(deviceId: string, mode: 'view' | 'control', routeParam: string | null) {
  const r = routeParam === 'relay' || routeParam === 'relay-tcp' ? routeParam : 'auto';
  const s = internetSession(api, socket, deviceId, mode, r);
  const device = socket.devices.get(deviceId);
  const view = new SessionView({
    title: device?.hostname ?? deviceId,
    mode,
    connect: s.connect,
    end: s.end,
    back: () => {
      location.hash = '#/devices';
    },
  });
  // Offline (or dropped) → online while the view offers Reconnect: it says so.
  let online = device?.online ?? true;
  const off = socket.onPresence(() => {
    const now = socket.devices.get(deviceId)?.online ?? false;
    if (now && !online) view.deviceOnline();
    online = now;
  });
  show(view.el, false, () => {
    off();
    view.dispose();
  });
  // Opened by URL or a reload, before the presence snapshot came: the name from the API.
  if (!device)
    api.device(deviceId).then(
      (d) => view.setTitle(d.hostname),
      // Not found or not allowed: the session itself reports that; the id stays as the title.
      () => {},
    );
}

/** LAN mode: the page was opened by `rc-console connect --lan`; the bridge holds the session. */
function lan(token: string) {
  let used = false;
  const view: SessionView = new SessionView({
    title: 'LAN session',
    mode: 'control',
    connect: async (status, attach) => {
      if (used) throw new Error('This LAN link was used once; run rc-console connect --lan again to reconnect.');
      used = true;
      status('Connecting to the device on the LAN…');
      const t = new LanTransport(token);
      attach(t.surface);
      try {
        const ready = await t.ready;
        view.setTitle(ready.device.hostname);
        document.title = `${ready.device.hostname} — rc-relay`;
      } catch (err) {
        t.close();
        throw err;
      }
      return t;
    },
    back: () => {
      // A tab the CLI opened cannot always be closed by script; it must not keep a live-looking
      // picture of a session that is over.
      show(
        h(
          'section',
          { class: 'ended', role: 'status' },
          h('h1', {}, 'The LAN session has ended'),
          h('p', {}, 'To connect again, run rc-console connect --lan with the device. You can close this tab.'),
        ),
        false,
      );
      document.title = 'Session ended — rc-relay';
      window.close();
    },
  });
  show(view.el, false, () => view.dispose());
}

window.addEventListener('hashchange', () => void route());
void route();
