// Clipboard both ways. To the device: the Async Clipboard API where the browser allows reading
// (a secure origin, a user gesture, permission), else a paste box the operator pastes into. From the
// device: written to the local clipboard when the browser allows it, and always shown in a box with
// a copy button, because writing needs focus and a gesture the agent's push does not come with.
import type { Frame } from '@rc-relay/protocol';
import { h } from '../dom';

export class ClipboardPanel {
  readonly el: HTMLElement;
  private readonly paste: HTMLTextAreaElement;
  private readonly remote: HTMLTextAreaElement;
  private readonly note: HTMLElement;

  constructor(private readonly send: (f: Frame) => void) {
    this.paste = h('textarea', {
      id: 'clip-paste',
      rows: 3,
      placeholder: 'Paste text here if the browser will not read your clipboard',
    });
    this.remote = h('textarea', { id: 'clip-remote', rows: 3, readonly: true });
    this.note = h('p', { class: 'note', role: 'status' });
    this.el = h(
      'details',
      { class: 'clipboard' },
      h('summary', {}, 'Clipboard'),
      h(
        'div',
        { class: 'row' },
        h('button', { type: 'button', onclick: () => this.sendLocal() }, 'Send my clipboard'),
        h('button', { type: 'button', onclick: () => this.send({ type: 'clipboard.get' }) }, 'Get device clipboard'),
      ),
      h('label', { for: 'clip-paste' }, 'Text to send'),
      this.paste,
      h('button', { type: 'button', onclick: () => this.sendText(this.paste.value) }, 'Send text'),
      h('label', { for: 'clip-remote' }, 'Device clipboard'),
      this.remote,
      h('button', { type: 'button', onclick: () => this.copyRemote() }, 'Copy to my clipboard'),
      this.note,
    );
  }

  /** A `clipboard` frame from the agent (answer to clipboard.get, or the device user copied). */
  received(f: Extract<Frame, { type: 'clipboard' }>): void {
    if (f.mime !== 'text/plain') {
      this.note.textContent = `The device clipboard holds ${f.mime} (${f.data.length} bytes); only text is shown.`;
      return;
    }
    this.remote.value = new TextDecoder().decode(f.data);
    this.note.textContent = 'Device clipboard received.';
    navigator.clipboard?.writeText(this.remote.value).catch(() => {
      // No focus or no permission: the box and its copy button still have it.
    });
  }

  private async sendLocal() {
    try {
      const text = await navigator.clipboard.readText();
      this.sendText(text);
    } catch {
      this.el.setAttribute('open', '');
      this.paste.focus();
      this.note.textContent = 'The browser would not read your clipboard: paste into the box and press Send text.';
    }
  }

  private sendText(text: string) {
    const data = new TextEncoder().encode(text);
    this.send({ type: 'clipboard', mime: 'text/plain', data: Buffer.from(data) });
    this.note.textContent = `Sent ${data.length} bytes to the device clipboard.`;
  }

  private async copyRemote() {
    try {
      await navigator.clipboard.writeText(this.remote.value);
      this.note.textContent = 'Copied.';
    } catch {
      this.remote.select();
      this.note.textContent = 'Select the text and press Ctrl+C: the browser refused to write the clipboard.';
    }
  }
}
