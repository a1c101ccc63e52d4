// Two-step login (TOTP) on the Account page: set up with a QR code or the key typed in, confirmed
// by a first code before the relay requires it, and turned off with a current code.
import qrcode from 'qrcode-generator';
import { type Api, errorText } from './api';
import { fill, h } from './dom';

const MESSAGES: Record<string, string> = {
  totp_invalid: 'That code is wrong. Type the code the app shows now; check the phone’s clock if it keeps failing.',
  conflict: 'Two-step login is already on.',
  bad_request: 'The code is the 6 digits the app shows.',
};

const SVG = 'http://www.w3.org/2000/svg';

/** The otpauth URL as a QR code, drawn as one SVG path of its dark modules (no HTML from strings). */
function qrSvg(text: string): SVGSVGElement {
  const qr = qrcode(0, 'M');
  qr.addData(text);
  qr.make();
  const n = qr.getModuleCount();
  const quiet = 4;
  let d = '';
  for (let r = 0; r < n; r++)
    for (let c = 0; c < n; c++) if (qr.isDark(r, c)) d += `M${c + quiet} ${r + quiet}h1v1h-1z`;
  const svg = document.createElementNS(SVG, 'svg');
  const size = n + 2 * quiet;
  svg.setAttribute('viewBox', `0 0 ${size} ${size}`);
  svg.setAttribute('width', String(size * 4));
  svg.setAttribute('height', String(size * 4));
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'QR code of the two-step login key, for an authenticator app');
  svg.setAttribute('shape-rendering', 'crispEdges');
  const bg = document.createElementNS(SVG, 'rect');
  bg.setAttribute('width', String(size));
  bg.setAttribute('height', String(size));
  bg.setAttribute('fill', '#fff');
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', d);
  path.setAttribute('fill', '#000');
  svg.append(bg, path);
  return svg;
}

/** The base32 key in groups of four, as authenticator apps show and accept it. */
const groupKey = (secret: string) => secret.replace(/(.{4})(?=.)/g, '$1 ');

export function totpSection(api: Api, enabled: boolean): HTMLElement {
  const status = h('p', { role: 'status', id: 'totp-status' });
  const body = h('div', { class: 'totp-body' });
  const section = h(
    'section',
    { class: 'login', 'aria-labelledby': 'totp-title' },
    h('h2', { id: 'totp-title' }, 'Two-step login'),
    body,
    status,
  );

  const fail = (err: unknown) => {
    status.className = 'error';
    status.textContent = errorText(err, MESSAGES);
  };
  const done = (text: string) => {
    status.className = '';
    status.textContent = text;
  };
  /** A 6-digit code field and its button, submitted as a form (Enter works). */
  const codeForm = (label: string, buttonText: string, submit: (code: string) => Promise<void>) => {
    const input = h('input', {
      id: 'totp-code',
      name: 'totp-code',
      inputmode: 'numeric',
      autocomplete: 'one-time-code',
      pattern: '[0-9]{6}',
      maxlength: 6,
      required: true,
    });
    const button = h('button', { type: 'submit' }, buttonText);
    const form = h(
      'form',
      {
        onsubmit: async (e: Event) => {
          e.preventDefault();
          button.disabled = true;
          try {
            await submit(input.value.trim());
          } catch (err) {
            fail(err);
            input.select();
          } finally {
            button.disabled = false;
          }
        },
      },
      h('div', { class: 'field' }, h('label', { for: 'totp-code' }, label), input),
      button,
    );
    return { form, input };
  };

  const showOff = () => {
    const start = h(
      'button',
      {
        type: 'button',
        id: 'totp-setup',
        onclick: async () => {
          start.disabled = true;
          try {
            showSetup(await api.totpSetup());
            status.textContent = '';
          } catch (err) {
            start.disabled = false;
            fail(err);
          }
        },
      },
      'Set up two-step login',
    );
    fill(
      body,
      h('p', {}, 'Off. With it on, logging in also asks for the 6-digit code of an authenticator app on your phone.'),
      start,
    );
  };

  const showSetup = (s: { secret: string; otpauthUrl: string }) => {
    const { form, input } = codeForm('Code from the app', 'Turn on', async (code) => {
      await api.totpEnable(code);
      showOn();
      done('Two-step login is on. Logging in now asks for a code from the app.');
    });
    fill(
      body,
      h('p', {}, 'Scan this with an authenticator app, or type the key into it:'),
      qrSvg(s.otpauthUrl),
      h('p', { class: 'token', id: 'totp-key' }, groupKey(s.secret)),
      h('p', {}, 'Then type the code it shows to turn two-step login on.'),
      form,
    );
    input.focus();
  };

  const showOn = () => {
    const { form } = codeForm('Current code, to turn it off', 'Turn off', async (code) => {
      await api.totpDisable(code);
      showOff();
      done('Two-step login is off.');
    });
    fill(body, h('p', { id: 'totp-on' }, 'On: logging in asks for a code from your authenticator app.'), form);
  };

  if (enabled) showOn();
  else showOff();
  return section;
}
