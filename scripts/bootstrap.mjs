#!/usr/bin/env node
// Makes a fresh checkout runnable: `npm start` and `npm test` call this first (pre-scripts).
// - installs npm dependencies when package.json/package-lock.json changed since the last install;
// - builds the browser console (scripts/build-console.mjs) when its sources changed;
// - with --test, also installs the Debian packages the tests drive (coturn's clients, Chromium,
//   Xvfb) when running as root with apt; otherwise it says what is missing.
// Plain Node only: this runs before anything else is installed.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const wantTest = process.argv.includes('--test');

const manifests = [
  'package.json',
  'package-lock.json',
  'protocol/package.json',
  'server/package.json',
  'turn/package.json',
  'agent-client/package.json',
  'console-client/package.json',
];

function depsHash() {
  const h = createHash('sha256');
  for (const f of manifests) {
    const p = join(root, f);
    if (existsSync(p)) h.update(f).update(readFileSync(p));
  }
  return h.digest('hex');
}

function ensureNpm() {
  const stamp = join(root, 'node_modules', '.rc-bootstrap-stamp');
  const before = depsHash();
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === before) return;
  // `npm install`, not `npm ci`: npm 11 writes lockfiles without other platforms' optional packages
  // (e.g. Biome's binaries) and `npm ci` then refuses them; install still keeps the locked versions.
  const args = ['install', '--no-audit', '--no-fund'];
  console.log(`[bootstrap] npm ${args.join(' ')} …`);
  const r = spawnSync('npm', args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('[bootstrap] npm install failed; see the output above.');
    process.exit(r.status ?? 1);
  }
  writeFileSync(stamp, depsHash());
}

// Debian package → a file it installs, used to tell whether it is there.
const libDir = `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`;
const debs = [
  // xclock and xeyes for the windows of `npm run demo` (its test looks at them through a session).
  ['x11-apps', '/usr/bin/xclock'],
  // setcap: test/ops tries the container's cap_net_bind_service on this kernel.
  ['libcap2-bin', '/usr/sbin/setcap'],
  ['coturn', '/usr/bin/turnutils_uclient'],
  // test/ops validates docker-compose.yml with `docker-compose config` (no Docker engine needed).
  ['docker-compose', '/usr/bin/docker-compose'],
  ['chromium', '/usr/bin/chromium'],
  // zbarimg reads back the QR code the console draws for two-step login (test/console/pages).
  ['zbar-tools', '/usr/bin/zbarimg'],
  ['xvfb', '/usr/bin/Xvfb'],
  // The X clients the X11 backend's tests drive, and the libraries the backend loads.
  ['xterm', '/usr/bin/xterm'],
  ['xclip', '/usr/bin/xclip'],
  ['x11-xserver-utils', '/usr/bin/xrandr'],
  ['x11-utils', '/usr/bin/xdpyinfo'],
  ['xauth', '/usr/bin/xauth'],
  ['xdotool', '/usr/bin/xdotool'],
  ['libxi6', `${libDir}/libXi.so.6`],
  ['libx11-6', `${libDir}/libX11.so.6`],
  ['libxext6', `${libDir}/libXext.so.6`],
  ['libxtst6', `${libDir}/libXtst.so.6`],
  ['libxfixes3', `${libDir}/libXfixes.so.3`],
  ['libxdamage1', `${libDir}/libXdamage.so.1`],
  ['libxrandr2', `${libDir}/libXrandr.so.2`],
  ['libturbojpeg0', `${libDir}/libturbojpeg.so.0`],
  ['libyuv0', `${libDir}/libyuv.so.0`],
];

function ensureDebs() {
  const missing = debs.filter(([, file]) => !existsSync(file)).map(([pkg]) => pkg);
  if (missing.length === 0) return;
  const isRoot = process.getuid?.() === 0;
  const hasApt = existsSync('/usr/bin/apt-get');
  if (!isRoot || !hasApt) {
    console.warn(
      `[bootstrap] missing Debian packages: ${missing.join(' ')}. Install them with ` +
        `'sudo apt-get install -y ${missing.join(' ')}'; tests that need them will fail until then.`,
    );
    return;
  }
  console.log(`[bootstrap] apt-get install ${missing.join(' ')} …`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  // coturn's package enables a system service; the tests start their own instances.
  spawnSync(
    'sh',
    ['-c', 'command -v systemctl >/dev/null && systemctl disable --now coturn 2>/dev/null; pkill -x turnserver'],
    { stdio: 'ignore' },
  );
}

// The browser console the relay serves (console-client/dist), rebuilt only when its sources changed.
function ensureConsole() {
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'build-console.mjs'), '--if-changed'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) {
    console.error('[bootstrap] building the browser console failed; see the output above.');
    process.exit(r.status ?? 1);
  }
}

ensureNpm();
ensureConsole();
if (wantTest) ensureDebs();
