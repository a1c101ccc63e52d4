// Scripted desktop activity for the X11 benchmark, as an X client of its own: a window that moves
// across the screen, or a video-like region of fresh noise, each updated 30 times a second.
//
//   tsx test/bench/x11/workload.ts --display :N --kind moving|video
import { parseArgs } from 'node:util';
import koffi from 'koffi';

const { values } = parseArgs({ options: { display: { type: 'string' }, kind: { type: 'string' } } });
type Fn = (...a: unknown[]) => unknown;
const lib = koffi.load('libX11.so.6');
const f = (p: string) => lib.func(p) as Fn;
const XOpenDisplay = f('void* XOpenDisplay(const char*)');
const XDefaultRootWindow = f('unsigned long XDefaultRootWindow(void*)');
const XDefaultVisual = f('void* XDefaultVisual(void*, int)');
const XCreateSimpleWindow = f(
  'unsigned long XCreateSimpleWindow(void*, unsigned long, int, int, unsigned int, unsigned int, unsigned int, unsigned long, unsigned long)',
);
const XChangeWindowAttributes = f('int XChangeWindowAttributes(void*, unsigned long, unsigned long, void*)');
const XMapRaised = f('int XMapRaised(void*, unsigned long)');
const XMoveWindow = f('int XMoveWindow(void*, unsigned long, int, int)');
const XCreateGC = f('void* XCreateGC(void*, unsigned long, unsigned long, void*)');
const XCreateImage = f(
  'void* XCreateImage(void*, void*, unsigned int, int, int, void*, unsigned int, unsigned int, int, int)',
);
const XPutImage = f(
  'int XPutImage(void*, unsigned long, void*, void*, int, int, int, int, unsigned int, unsigned int)',
);
const XFillRectangle = f('int XFillRectangle(void*, unsigned long, void*, int, int, unsigned int, unsigned int)');
const XSetForeground = f('int XSetForeground(void*, void*, unsigned long)');
const XSync = f('int XSync(void*, int)');

const d = XOpenDisplay(values.display);
const root = XDefaultRootWindow(d) as number;
const attrs = Buffer.alloc(112);
attrs.writeInt32LE(1, 88);

if (values.kind === 'moving') {
  // A 400×300 window with content, dragged around like a user moving it.
  const win = XCreateSimpleWindow(d, root, 0, 0, 400, 300, 2, 0xffffff, 0x3060a0) as number;
  XChangeWindowAttributes(d, win, 1 << 9, attrs);
  XMapRaised(d, win);
  const gc = XCreateGC(d, win, 0, null);
  let t = 0;
  setInterval(() => {
    t++;
    const x = Math.round(760 + 700 * Math.sin(t / 40));
    const y = Math.round(390 + 350 * Math.cos(t / 53));
    XMoveWindow(d, win, x, y);
    for (let i = 0; i < 6; i++) {
      XSetForeground(d, gc, (0x203040 + i * 0x151515) & 0xffffff);
      XFillRectangle(d, win, gc, 20, 20 + i * 44, 360, 30);
    }
    XSync(d, 0);
  }, 33);
} else {
  // A 640×360 "video": every frame different everywhere, like a playing clip.
  const w = 640;
  const h = 360;
  const win = XCreateSimpleWindow(d, root, 1200, 600, w, h, 0, 0, 0) as number;
  XChangeWindowAttributes(d, win, 1 << 9, attrs);
  XMapRaised(d, win);
  const gc = XCreateGC(d, win, 0, null);
  const px = Buffer.alloc(w * h * 4);
  const img = XCreateImage(d, XDefaultVisual(d, 0), 24, 2, 0, px, w, h, 32, w * 4);
  let t = 0;
  setInterval(() => {
    t++;
    // Moving gradients plus noise: compressible like video, never the same twice.
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const o = (y * w + x) * 4;
        px[o] = (x + t * 3) & 0xff;
        px[o + 1] = (y * 2 + t) & 0xff;
        px[o + 2] = ((x ^ y) + t * 5 + ((Math.random() * 32) | 0)) & 0xff;
      }
    XPutImage(d, win, gc, img, 0, 0, 0, 0, w, h);
    XSync(d, 0);
  }, 33);
}
