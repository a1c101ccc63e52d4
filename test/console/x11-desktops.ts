// Two X "user sessions" for the console end-to-end tests: two Xvfb displays, each with a window of
// four flat colour quadrants (which survive video and JPEG compression recognisably) at a known
// place, an xterm that writes what it receives to a file, and the test's own X client that sees
// the clicks those windows get.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '../agent/support';
import { FixtureClient, type Received } from '../x11/fixture';
import { startXvfb, type Xvfb } from '../x11/xvfb';

export type Rgb = [number, number, number];

export interface DesktopSpec {
  width: number;
  height: number;
  /** The known window's place and size on the display. */
  win: { x: number; y: number; w: number; h: number };
  /** Top-left, top-right, bottom-left, bottom-right. */
  quads: [Rgb, Rgb, Rgb, Rgb];
  /** xterm geometry (cols x rows + x + y) and a point inside it. */
  xterm: { geometry: string; at: [number, number] };
}

export interface Desktop {
  spec: DesktopSpec;
  x: Xvfb;
  fixture: FixtureClient;
  win: number;
  /** What the xterm received, as the user would see it typed. */
  typed: () => string;
  /** Points at the centre of each quadrant, in display coordinates, with the colour expected. */
  probes: () => [number, number, Rgb][];
  /** Resolves with the first button press on the known window after click number `since`. */
  pressOnWindow: (since: number) => Promise<Received>;
  /** Makes `text` the X CLIPBOARD, owned by an xclip that lives until another client takes it. */
  copy: (text: string) => Promise<void>;
  /** The X CLIPBOARD as X applications paste it. */
  clipboard: () => Promise<string>;
  stop: () => Promise<void>;
}

function quadrants(spec: DesktopSpec): Buffer {
  const { w, h } = spec.win;
  const b = Buffer.alloc(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const [r, g, bl] = spec.quads[(y < h / 2 ? 0 : 2) + (x < w / 2 ? 0 : 1)]!;
      b.set([bl, g, r, 0], (y * w + x) * 4); // BGRX
    }
  return b;
}

export async function startDesktop(spec: DesktopSpec): Promise<Desktop> {
  const x = await startXvfb(spec.width, spec.height);
  const dir = mkdtempSync(join(tmpdir(), 'rc-desktop-'));
  const typedFile = join(dir, 'typed.txt');
  const fixture = new FixtureClient(x.display);
  const { win: r } = spec;
  const win = fixture.window(r.x, r.y, r.w, r.h, quadrants(spec));
  // The xterm runs `cat` into a file: what it received is what the user would see typed.
  const xterm: ChildProcess = spawn(
    'xterm',
    ['-u8', '-geometry', spec.xterm.geometry, '-e', 'sh', '-c', `stty -echo; exec cat > ${typedFile}`],
    { env: { ...x.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' }, stdio: 'ignore' },
  );
  const owners: ChildProcess[] = [];
  await until(
    () => {
      try {
        readFileSync(typedFile);
        return true;
      } catch {
        return false;
      }
    },
    10_000,
    'xterm started',
  );
  return {
    spec,
    x,
    fixture,
    win,
    typed: () => readFileSync(typedFile, 'utf8'),
    probes: () =>
      [0, 1, 2, 3].map((q) => [
        r.x + (q % 2 ? (3 * r.w) / 4 : r.w / 4),
        r.y + (q < 2 ? r.h / 4 : (3 * r.h) / 4),
        spec.quads[q]!,
      ]),
    pressOnWindow: (since) =>
      fixture.waitClick((c) => fixture.clicks.indexOf(c) >= since && c.window === win && c.type === 'press', 5000),
    copy: async (text) => {
      // -quiet keeps xclip in the foreground (its pid is ours to kill); it serves the selection
      // until another client owns it.
      const owner = spawn('xclip', ['-quiet', '-selection', 'clipboard', '-i'], { env: x.env, stdio: 'pipe' });
      owners.push(owner);
      owner.stdin!.end(text);
      await until(
        async () => (await x.run('xclip', ['-o', '-selection', 'clipboard']).catch(() => '')) === text,
        5000,
        'xclip owns the clipboard',
      );
    },
    clipboard: () => x.run('xclip', ['-o', '-selection', 'clipboard']).catch(() => ''),
    stop: async () => {
      for (const o of owners) if (o.exitCode === null) o.kill();
      if (xterm.exitCode === null) xterm.kill();
      fixture.close();
      await x.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
