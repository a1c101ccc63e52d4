// X11 benchmark: a 1920×1080 Xvfb desktop at 30 fps under scripted workloads (idle, typing in an
// xterm, scrolling text, a moving window, a video-like region), captured by the agent's screen path
// (pipeline.ts, its own process) and, in the same run and workload, by ffmpeg's x11grab: once
// capture-only (rawvideo to null) and once with x264 ultrafast/zerolatency. CPU is % of one core
// from /proc, per process; the X server's share is shown too (MIT-SHM copies happen in it).
//
//   npm run bench:x11 -- [--seconds 8] [--only typing]
//   (run it under `flock /tmp/rc-bench.lock`; it prints `uptime` beside the figures)
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startXvfb, type Xvfb } from '../../x11/xvfb';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '8' }, only: { type: 'string' } },
});
const SECONDS = Number(values.seconds);
const TICK = 100;
const here = dirname(fileURLToPath(import.meta.url));
const tsx = join(here, '../../../node_modules/.bin/tsx');

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU % of one core used by `pid` and the X server over `SECONDS`. */
async function sampleCpu(pid: number, server: number) {
  const a = [cpuTicks(pid), cpuTicks(server)];
  const t0 = performance.now();
  await sleep(SECONDS * 1000);
  const secs = (performance.now() - t0) / 1000;
  return {
    cpu: ((cpuTicks(pid) - a[0]!) / TICK / secs) * 100,
    server: ((cpuTicks(server) - a[1]!) / TICK / secs) * 100,
  };
}

function lineFrom(child: ChildProcess, match: (l: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const t = setTimeout(() => reject(new Error('child did not answer')), 30_000);
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      for (const l of buf.split('\n')) {
        if (match(l)) {
          clearTimeout(t);
          resolve(l);
        }
      }
    });
    child.once('exit', (code) => reject(new Error(`child exited with ${code}`)));
  });
}

async function ours(x: Xvfb, server: number) {
  const child = spawn(tsx, [join(here, 'pipeline.ts'), '--display', x.display], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const ready = await lineFrom(child, (l) => l.startsWith('ready '));
  const cpu = await sampleCpu(Number(ready.split(' ')[1]), server);
  const stats = lineFrom(child, (l) => l.startsWith('{'));
  child.stdin!.write('stop\n');
  return { ...cpu, ...JSON.parse(await stats) };
}

async function ffmpeg(x: Xvfb, server: number, x264: boolean) {
  const args = ['-loglevel', 'error', '-f', 'x11grab', '-draw_mouse', '0', '-framerate', '30'];
  args.push('-video_size', '1920x1080', '-i', x.display);
  if (x264) args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p');
  else args.push('-c:v', 'rawvideo');
  args.push('-f', x264 ? 'mpegts' : 'null', x264 ? 'pipe:1' : '-');
  const child = spawn('ffmpeg', args, { env: x.env, stdio: ['ignore', 'pipe', 'inherit'] });
  let bytes = 0;
  child.stdout!.on('data', (c: Buffer) => {
    bytes += c.length;
  });
  await sleep(1500);
  bytes = 0;
  const cpu = await sampleCpu(child.pid!, server);
  const bps = bytes / SECONDS;
  child.kill('SIGINT');
  await new Promise((r) => child.once('exit', r));
  return { ...cpu, bytesPerSecond: bps };
}

interface Workload {
  name: string;
  start: (x: Xvfb) => ChildProcess[];
}

const TEXT = 'The quick brown fox jumps over the lazy dog while the helpdesk watches the cursor blink. '.repeat(20);

const workloads: Workload[] = [
  { name: 'idle', start: () => [] },
  {
    name: 'typing',
    start: (x) => [
      spawn('xterm', ['-geometry', '100x30+40+40', '-e', 'cat'], { env: x.env, stdio: 'ignore' }),
      // ~8 characters a second, a quick typist; xdotool is the "user" at the device.
      spawn('sh', ['-c', `sleep 1; xdotool mousemove 200 200; xdotool type --delay 120 '${TEXT}'`], {
        env: x.env,
        stdio: 'ignore',
      }),
    ],
  },
  {
    name: 'scrolling',
    start: (x) => [
      spawn(
        'xterm',
        [
          '-geometry',
          '160x50+40+40',
          '-e',
          'sh',
          '-c',
          'i=0; while :; do i=$((i+1)); echo "$i lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod"; sleep 0.03; done',
        ],
        { env: x.env, stdio: 'ignore' },
      ),
    ],
  },
  {
    name: 'moving window',
    start: (x) => [
      spawn(tsx, [join(here, 'workload.ts'), '--display', x.display, '--kind', 'moving'], { stdio: 'ignore' }),
    ],
  },
  {
    name: 'video region',
    start: (x) => [
      spawn(tsx, [join(here, 'workload.ts'), '--display', x.display, '--kind', 'video'], { stdio: 'ignore' }),
    ],
  },
];

const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '-');
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '-');

async function main() {
  const x = await startXvfb(1920, 1080);
  const server = x.pid;
  const rows: string[][] = [];
  try {
    for (const w of workloads) {
      if (values.only && w.name !== values.only) continue;
      const procs = w.start(x);
      await sleep(2500);
      const o = await ours(x, server);
      const raw = await ffmpeg(x, server, false);
      const h264 = await ffmpeg(x, server, true);
      for (const p of procs) p.kill();
      await sleep(300);
      rows.push([
        w.name,
        f2(o.captureMsPerGrab),
        f2(o.diffMsPerGrab),
        f2(o.jpegMsPerFrame),
        `${o.grabs}/${o.ticks}`,
        f1(o.framesSent / o.seconds),
        f1(o.cpu),
        f1(o.server),
        f1((o.bytesPerSecond * 8) / 1e6),
        f1(raw.cpu),
        f1(raw.server),
        f1(h264.cpu),
        f1(h264.server),
        f1((h264.bytesPerSecond * 8) / 1e6),
      ]);
      console.error(`[bench:x11] ${w.name} done`);
    }
  } finally {
    await x.stop();
  }
  const head = [
    'workload',
    'grab ms',
    'diff ms',
    'jpeg ms/frame',
    'grabs/ticks',
    'frames/s',
    'agent CPU %',
    'Xvfb CPU %',
    'Mb/s',
    'ffmpeg raw CPU %',
    'Xvfb CPU %',
    'ffmpeg x264 CPU %',
    'Xvfb CPU %',
    'x264 Mb/s',
  ];
  console.log(
    `X11 capture at 1920x1080, 30 fps, ${SECONDS} s per measurement; uptime: ${execFileSync('uptime').toString().trim()}`,
  );
  console.log(`| ${head.join(' | ')} |`);
  console.log(`|${head.map(() => '---').join('|')}|`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  console.log(
    'grab/diff ms: per XShmGetImage that damage triggered (grabs/ticks: how many of the 30/s ticks grabbed); jpeg ms: libturbojpeg per frame sent. ' +
      'Agent = capture + diff + tiles (JPEG + deflate refresh) to a console acking at once, no TLS.',
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
