// The remote-session screen: the remote picture (fit to the window, 1:1, full screen), the toolbar
// (key chords, user session and monitor pickers, quality, clipboard), the path badge with live
// figures, and the messages for every way a session can fail, with a reconnect button.
import type { Frame, FrameOf, UserSession } from '@rc-relay/protocol';
import { fill, h } from '../dom';
import { ClipboardPanel } from './clipboard';
import { CHORDS, InputCapture } from './input';
import type { Channel, RemoteTransport } from './transport';

export interface SessionSpec {
  title: string;
  mode: 'view' | 'control';
  /**
   * Opens the link; reports progress through `status` and hands over the picture's element through
   * `attach` as soon as it exists, so the first frame is presented in place (under the progress
   * message) rather than decoded off-page and shown a frame later. Rejects with a message for the
   * operator.
   */
  connect: (
    status: (text: string) => void,
    attach: (surface: RemoteTransport['surface']) => void,
  ) => Promise<RemoteTransport>;
  /** Ends the session on the relay side too (internet mode). */
  end?: () => void;
  back: () => void;
}

const QUALITY = [
  ['Low', 40],
  ['Medium', 70],
  ['High', 90],
] as const;
const FPS = [5, 15, 30, 60];
const RELEASE_HINT = 'Ctrl+Alt+Shift: back to the toolbar.';
/** How often an open session asks the device for its user sessions again, in seconds. */
const SESSIONS_REFRESH_S = 10;

export class SessionView {
  readonly el: HTMLElement;
  private readonly stage: HTMLElement;
  private readonly message: HTMLElement;
  private readonly badge: HTMLElement;
  private readonly sessionPick: HTMLSelectElement;
  private readonly monitorPick: HTMLSelectElement;
  private readonly scaleBtn: HTMLButtonElement;
  private readonly titleEl: HTMLElement;
  private readonly clipboard: ClipboardPanel;
  private transport: RemoteTransport | null = null;
  private input: InputCapture | null = null;
  private size = { width: 0, height: 0 };
  private oneToOne = false;
  private statsTimer: number | undefined;
  private quality = 70;
  private fps = 30;
  private disposed = false;
  private readonly resize = () => this.layout();
  private readonly chrome = new ResizeObserver(this.resize);

  constructor(private readonly spec: SessionSpec) {
    const control = spec.mode === 'control';
    this.message = h('div', { class: 'message', role: 'status', 'aria-live': 'polite', id: 'session-message' });
    this.badge = h('span', { class: 'badge', id: 'path-badge', title: 'Path in use and live figures' }, '…');
    this.stage = h('div', { class: 'stage', id: 'stage' });
    this.sessionPick = h('select', { id: 'user-session', onchange: () => this.switchSession() });
    this.monitorPick = h('select', { id: 'monitor', onchange: () => this.selectMonitor(), disabled: true });
    this.titleEl = h('strong', {}, spec.title);
    this.scaleBtn = h('button', { type: 'button', onclick: () => this.toggleScale(), 'aria-pressed': 'false' }, '1:1');
    this.clipboard = new ClipboardPanel((f) => this.send('clipboard', f));
    const chordButtons = Object.entries(CHORDS).map(([id, c]) =>
      h(
        'button',
        { type: 'button', id: `chord-${id}`, disabled: !control, onclick: () => this.input?.chord(c.keys) },
        c.label,
      ),
    );
    const qualitySel = h(
      'select',
      {
        id: 'quality',
        onchange: (e: Event) => {
          this.quality = Number((e.target as HTMLSelectElement).value);
          this.sendSettings();
        },
      },
      QUALITY.map(([label, q]) => h('option', { value: q, selected: q === this.quality }, label)),
    );
    const fpsSel = h(
      'select',
      {
        id: 'fps',
        onchange: (e: Event) => {
          this.fps = Number((e.target as HTMLSelectElement).value);
          this.sendSettings();
        },
      },
      FPS.map((f) => h('option', { value: f, selected: f === this.fps }, `${f} fps`)),
    );
    this.el = h(
      'section',
      { class: 'session', 'aria-label': `Remote session with ${spec.title}` },
      h(
        'div',
        { class: 'toolbar', role: 'toolbar', 'aria-label': 'Session tools' },
        h('button', { type: 'button', id: 'disconnect', onclick: () => this.leave() }, 'Disconnect'),
        this.titleEl,
        h('span', { class: control ? 'mode' : 'mode view' }, control ? 'Control' : 'View only'),
        this.badge,
        this.scaleBtn,
        h('button', { type: 'button', onclick: () => this.fullscreen() }, 'Full screen'),
        ...chordButtons,
        h('label', {}, 'User session ', this.sessionPick),
        h('label', {}, 'Monitor ', this.monitorPick),
        h('label', {}, 'Quality ', qualitySel),
        h('label', {}, 'Frame rate ', fpsSel),
      ),
      control ? this.clipboard.el : null,
      h('div', { class: 'viewport', id: 'viewport' }, this.stage, this.message),
    );
    window.addEventListener('resize', this.resize);
    document.addEventListener('fullscreenchange', this.resize);
    // The toolbar wraps to another row as the badge's figures or a picker's names grow, and the
    // clipboard panel opens and closes: the picture's room changes with them.
    for (const bar of this.el.children) if (bar.id !== 'viewport') this.chrome.observe(bar);
    document.addEventListener('keydown', this.onEscape);
    void this.start();
  }

  /** The device's name, once the link knows it (LAN: from the bridge). */
  setTitle(title: string): void {
    this.titleEl.textContent = title;
    this.el.setAttribute('aria-label', `Remote session with ${title}`);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    window.removeEventListener('resize', this.resize);
    document.removeEventListener('fullscreenchange', this.resize);
    this.chrome.disconnect();
    document.removeEventListener('keydown', this.onEscape);
    this.teardown();
    this.spec.end?.();
  }

  /**
   * Escape on the toolbar's buttons leaves full screen first, then the session; not in the remote
   * view (the device's), nor in a list, field or the clipboard panel, where it only closes or clears.
   */
  private readonly onEscape = (e: KeyboardEvent) => {
    if (e.key !== 'Escape' || e.defaultPrevented) return;
    const at = document.activeElement;
    if (this.stage.contains(at) || this.clipboard.el.contains(at)) return;
    if (at instanceof HTMLSelectElement || at instanceof HTMLInputElement || at instanceof HTMLTextAreaElement) return;
    if (!document.fullscreenElement) this.leave();
  };

  private leave() {
    this.dispose();
    this.spec.back();
  }

  private teardown() {
    clearInterval(this.statsTimer);
    this.input?.dispose();
    this.input = null;
    this.transport?.close();
    this.transport = null;
  }

  /** The device came back online while this view offers to reconnect (after "offline" or a drop). */
  deviceOnline(): void {
    if (this.el.dataset.state !== 'failed' || this.message.querySelector('#back-online')) return;
    this.message.querySelector('p')?.after(h('p', { id: 'back-online' }, 'The device is online again.'));
  }

  private show(text: string, retry = false) {
    this.el.dataset.state = retry ? 'failed' : 'connecting';
    fill(
      this.message,
      h('p', {}, text),
      retry ? h('button', { type: 'button', id: 'reconnect', onclick: () => void this.start() }, 'Reconnect') : null,
      retry ? h('button', { type: 'button', onclick: () => this.leave() }, 'Back to devices') : null,
    );
    this.message.hidden = false;
    if (retry) (this.message.querySelector('#reconnect') as HTMLButtonElement | null)?.focus();
  }

  private async start() {
    this.teardown();
    this.show('Connecting…');
    let t: RemoteTransport;
    try {
      t = await this.spec.connect(
        (text) => this.show(text),
        (surface) => this.attach(surface),
      );
    } catch (err) {
      fill(this.stage);
      this.show((err as Error).message, true);
      return;
    }
    if (this.disposed) return t.close();
    this.transport = t;
    const surface = t.surface;
    this.attach(surface);
    this.layout();
    this.input = new InputCapture(
      surface,
      () => this.size,
      (f) => this.send('input', f),
      () => (this.el.querySelector('#disconnect') as HTMLButtonElement | null)?.focus(),
    );
    this.input.enabled = (t.mode ?? this.spec.mode) === 'control';
    t.on('open', () => {
      this.send('control', { type: 'sessions.get' });
      this.sendSettings();
    });
    t.on('picture', (width, height) => this.onPicture(width, height));
    t.on('frame', (f) => this.onFrame(f));
    t.on('closed', (reason) => {
      this.teardown();
      this.show(`Connection lost: ${reason}.`, true);
    });
    let ticks = 0;
    this.statsTimer = window.setInterval(() => {
      void this.updateBadge();
      // User sessions come and go on the PC (a login, another display): the picker follows them.
      if (++ticks % SESSIONS_REFRESH_S === 0 && this.el.dataset.state === 'live') {
        try {
          this.transport?.send('control', { type: 'sessions.get' });
        } catch {
          // The link is closing; its closed event says so.
        }
      }
    }, 1000);
  }

  /** Puts the picture's element on the stage (once); the message covers it until the first picture. */
  private attach(surface: RemoteTransport['surface']) {
    if (this.disposed || surface.parentElement === this.stage) return;
    surface.id = 'remote';
    surface.tabIndex = 0;
    surface.setAttribute('aria-label', `Remote screen; keys typed here go to the device. ${RELEASE_HINT}`);
    surface.title = RELEASE_HINT;
    fill(this.stage, surface);
  }

  private onPicture(width: number, height: number) {
    if (this.el.dataset.state !== 'live') {
      performance.mark('rc:live');
      this.el.dataset.state = 'live';
      this.message.hidden = true;
      this.transport?.surface.focus();
    }
    if (width !== this.size.width || height !== this.size.height) {
      this.size = { width, height };
      this.layout();
    }
  }

  private onFrame(f: Frame) {
    if (f.type === 'sessions') this.showSessions(f.sessions);
    else if (f.type === 'monitors') this.showMonitors(f);
    else if (f.type === 'clipboard') this.clipboard.received(f);
    else if (f.type === 'cursor') this.showCursor(f);
    else if (f.type === 'error')
      this.toast(f.code === 'view_only' ? 'View-only session: input is not sent.' : f.message);
  }

  private toast(text: string) {
    const t = h('div', { class: 'toast', role: 'alert' }, text);
    this.el.append(t);
    setTimeout(() => t.remove(), 4000);
  }

  private send(channel: Channel, f: Frame) {
    try {
      this.transport?.send(channel, f);
    } catch (err) {
      this.toast(`Not sent: ${(err as Error).message}`);
    }
  }

  private sendSettings() {
    this.send('control', { type: 'settings', quality: this.quality, fps: this.fps });
  }

  private showSessions(sessions: UserSession[]) {
    fill(
      this.sessionPick,
      sessions.map((s) =>
        h(
          'option',
          { value: s.id, selected: s.id === this.sessionPick.value || (!this.sessionPick.value && s.active) },
          `${s.user} (${s.id}${s.active ? ', active' : ''}${s.supported ? '' : ', cannot be shown'})`,
        ),
      ),
    );
    this.sessionPick.disabled = sessions.length < 2;
  }

  private switchSession() {
    this.send('control', { type: 'session.switch', id: this.sessionPick.value });
  }

  private showMonitors(m: FrameOf<'monitors'>) {
    fill(
      this.monitorPick,
      h('option', { value: '', selected: m.selected === '' }, 'All monitors'),
      m.monitors.map((mon) =>
        h(
          'option',
          { value: mon.id, selected: mon.id === m.selected },
          `${mon.name} ${mon.width}×${mon.height}${mon.primary ? ' (primary)' : ''}`,
        ),
      ),
    );
    this.monitorPick.disabled = m.monitors.length < 2;
  }

  private selectMonitor() {
    this.send('control', { type: 'monitor.select', id: this.monitorPick.value });
  }

  private showCursor(f: Extract<Frame, { type: 'cursor' }>) {
    const surface = this.transport?.surface;
    if (!surface) return;
    if (!f.visible) surface.style.cursor = 'none';
    else if (f.shape) {
      const c = document.createElement('canvas');
      c.width = f.shape.w;
      c.height = f.shape.h;
      c.getContext('2d')?.putImageData(new ImageData(new Uint8ClampedArray(f.shape.rgba), f.shape.w), 0, 0);
      surface.style.cursor = `url(${c.toDataURL()}) ${f.shape.hotX} ${f.shape.hotY}, default`;
    }
  }

  private toggleScale() {
    this.oneToOne = !this.oneToOne;
    this.scaleBtn.setAttribute('aria-pressed', String(this.oneToOne));
    this.scaleBtn.textContent = this.oneToOne ? 'Fit' : '1:1';
    this.layout();
  }

  /** Fit: the whole picture in the viewport. 1:1: one remote pixel per device pixel, scrolling. */
  private layout() {
    const vp = this.stage.parentElement;
    if (!vp) return;
    // The viewport takes the window's height below the toolbars (which grow when the clipboard
    // panel opens); set explicitly so a large picture can never stretch it.
    // From the top of the page, not of the window: a page scrolled a little must not grow it.
    const top = document.fullscreenElement === vp ? 0 : vp.getBoundingClientRect().top + window.scrollY;
    const availH = Math.max(120, window.innerHeight - top);
    vp.style.height = `${availH}px`;
    const s = this.transport?.surface;
    const { width, height } = this.size;
    if (!s || !width) return;
    let scale = 1 / devicePixelRatio;
    if (!this.oneToOne) scale = Math.min(vp.clientWidth / width, availH / height);
    s.style.width = `${Math.floor(width * scale)}px`;
    s.style.height = `${Math.floor(height * scale)}px`;
    this.stage.classList.toggle('one-to-one', this.oneToOne);
  }

  private async fullscreen() {
    const vp = this.stage.parentElement;
    if (!vp) return;
    await vp.requestFullscreen().catch(() => this.toast('Full screen was refused by the browser.'));
    // Where supported, keyboard lock keeps Escape and system keys for the remote desktop.
    const kb = (navigator as Navigator & { keyboard?: { lock?: () => Promise<void> } }).keyboard;
    await kb?.lock?.().catch(() => {});
  }

  private async updateBadge() {
    if (!this.transport) return;
    try {
      const s = await this.transport.stats();
      const parts = [s.path];
      if (s.fps !== null) parts.push(`${s.fps} fps`);
      if (s.rttMs !== null) parts.push(`${s.rttMs} ms`);
      if (s.kbps !== null) parts.push(`${s.kbps} kb/s`);
      this.badge.textContent = parts.join(' · ');
      this.badge.dataset.path = s.path;
    } catch {
      // The link is closing; the next tick or the closed event says so.
    }
  }
}
