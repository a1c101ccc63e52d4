// The C functions the X11 backend calls, bound through koffi (its binary ships inside the npm package,
// so nothing is compiled). Each library is loaded once, lazily; a missing one throws X11Error
// `missing_library` naming the Debian package to install. Pointers to Xlib structs are opaque
// `void*`; out-parameters and XEvent are plain Buffers read at the x86-64/aarch64 (LP64) offsets.
import koffi from 'koffi';
import { X11Error } from './errors';

type Fn = (...args: unknown[]) => unknown;
export type Ptr = unknown;

/** soname → Debian package that ships it. */
const PACKAGES: Record<string, string> = {
  'libX11.so.6': 'libx11-6',
  'libXext.so.6': 'libxext6',
  'libXtst.so.6': 'libxtst6',
  'libXfixes.so.3': 'libxfixes3',
  'libXdamage.so.1': 'libxdamage1',
  'libXrandr.so.2': 'libxrandr2',
  'libXi.so.6': 'libxi6',
  'libturbojpeg.so.0': 'libturbojpeg0',
  'libyuv.so.0': 'libyuv0',
  'libc.so.6': 'libc6',
};

const loaded = new Map<string, koffi.IKoffiLib>();

/** `path` defaults to the soname (the dynamic linker's search); tests point it at a missing file. */
export function loadLib(soname: string, path = soname): koffi.IKoffiLib {
  let lib = loaded.get(soname);
  if (lib) return lib;
  try {
    lib = koffi.load(path);
  } catch (err) {
    const pkg = PACKAGES[soname] ?? 'the package that ships it';
    throw new X11Error(
      'missing_library',
      `${soname} could not be loaded (${(err as Error).message.split('\n')[0]}): install the Debian package ${pkg} (apt-get install ${pkg})`,
    );
  }
  loaded.set(soname, lib);
  return lib;
}

function bind<T extends Record<string, string>>(soname: string, protos: T): { [K in keyof T]: Fn } {
  const lib = loadLib(soname);
  const out = {} as { [K in keyof T]: Fn };
  for (const [name, proto] of Object.entries(protos)) out[name as keyof T] = lib.func(proto) as Fn;
  return out;
}

const X11_PROTOS = {
  XInitThreads: 'int XInitThreads()',
  XOpenDisplay: 'void* XOpenDisplay(const char*)',
  XCloseDisplay: 'int XCloseDisplay(void*)',
  XDefaultScreen: 'int XDefaultScreen(void*)',
  XRootWindow: 'unsigned long XRootWindow(void*, int)',
  XDefaultVisual: 'void* XDefaultVisual(void*, int)',
  XDefaultDepth: 'int XDefaultDepth(void*, int)',
  XDisplayWidth: 'int XDisplayWidth(void*, int)',
  XDisplayHeight: 'int XDisplayHeight(void*, int)',
  XBlackPixel: 'unsigned long XBlackPixel(void*, int)',
  XWhitePixel: 'unsigned long XWhitePixel(void*, int)',
  XSync: 'int XSync(void*, int)',
  XFlush: 'int XFlush(void*)',
  XPending: 'int XPending(void*)',
  XNextEvent: 'int XNextEvent(void*, void*)',
  XFree: 'int XFree(void*)',
  XQueryExtension: 'int XQueryExtension(void*, const char*, void*, void*, void*)',
  XInternAtom: 'unsigned long XInternAtom(void*, const char*, int)',
  XGetAtomName: 'void* XGetAtomName(void*, unsigned long)',
  XSetErrorHandler: 'void* XSetErrorHandler(void*)',
  XSetIOErrorHandler: 'void* XSetIOErrorHandler(void*)',
  XSetIOErrorExitHandler: 'void XSetIOErrorExitHandler(void*, void*, void*)',
  XGetErrorText: 'int XGetErrorText(void*, int, void*, int)',
  XQueryPointer: 'int XQueryPointer(void*, unsigned long, void*, void*, void*, void*, void*, void*, void*)',
  XGetGeometry: 'int XGetGeometry(void*, unsigned long, void*, void*, void*, void*, void*, void*, void*)',
  XCreateSimpleWindow:
    'unsigned long XCreateSimpleWindow(void*, unsigned long, int, int, unsigned int, unsigned int, unsigned int, unsigned long, unsigned long)',
  XCreateWindow:
    'unsigned long XCreateWindow(void*, unsigned long, int, int, unsigned int, unsigned int, unsigned int, int, unsigned int, void*, unsigned long, void*)',
  XDestroyWindow: 'int XDestroyWindow(void*, unsigned long)',
  XMapRaised: 'int XMapRaised(void*, unsigned long)',
  XUnmapWindow: 'int XUnmapWindow(void*, unsigned long)',
  XMoveResizeWindow: 'int XMoveResizeWindow(void*, unsigned long, int, int, unsigned int, unsigned int)',
  XSelectInput: 'int XSelectInput(void*, unsigned long, long)',
  XStoreName: 'int XStoreName(void*, unsigned long, const char*)',
  XChangeWindowAttributes: 'int XChangeWindowAttributes(void*, unsigned long, unsigned long, void*)',
  XCreateGC: 'void* XCreateGC(void*, unsigned long, unsigned long, void*)',
  XFreeGC: 'int XFreeGC(void*, void*)',
  XSetForeground: 'int XSetForeground(void*, void*, unsigned long)',
  XFillRectangle: 'int XFillRectangle(void*, unsigned long, void*, int, int, unsigned int, unsigned int)',
  XDrawRectangle: 'int XDrawRectangle(void*, unsigned long, void*, int, int, unsigned int, unsigned int)',
  XDrawString: 'int XDrawString(void*, unsigned long, void*, int, int, void*, int)',
  XClearWindow: 'int XClearWindow(void*, unsigned long)',
  XSetWMProtocols: 'int XSetWMProtocols(void*, unsigned long, void*, int)',
  XSetSelectionOwner: 'int XSetSelectionOwner(void*, unsigned long, unsigned long, unsigned long)',
  XGetSelectionOwner: 'unsigned long XGetSelectionOwner(void*, unsigned long)',
  XConvertSelection:
    'int XConvertSelection(void*, unsigned long, unsigned long, unsigned long, unsigned long, unsigned long)',
  XChangeProperty: 'int XChangeProperty(void*, unsigned long, unsigned long, unsigned long, int, int, void*, int)',
  XGetWindowProperty:
    'int XGetWindowProperty(void*, unsigned long, unsigned long, long, long, int, unsigned long, void*, void*, void*, void*, void*)',
  XDeleteProperty: 'int XDeleteProperty(void*, unsigned long, unsigned long)',
  XSendEvent: 'int XSendEvent(void*, unsigned long, int, long, void*)',
  XKeysymToKeycode: 'uint8_t XKeysymToKeycode(void*, unsigned long)',
  XDisplayKeycodes: 'int XDisplayKeycodes(void*, void*, void*)',
  XGetKeyboardMapping: 'void* XGetKeyboardMapping(void*, uint8_t, int, void*)',
  XChangeKeyboardMapping: 'int XChangeKeyboardMapping(void*, int, int, void*, int)',
  XGetModifierMapping: 'void* XGetModifierMapping(void*)',
  XFreeModifiermap: 'int XFreeModifiermap(void*)',
} as const;

const XEXT_PROTOS = {
  XShmQueryExtension: 'int XShmQueryExtension(void*)',
  XShmCreateImage: 'void* XShmCreateImage(void*, void*, unsigned int, int, void*, void*, unsigned int, unsigned int)',
  XShmAttach: 'int XShmAttach(void*, void*)',
  XShmDetach: 'int XShmDetach(void*, void*)',
  XShmGetImage: 'int XShmGetImage(void*, unsigned long, void*, int, int, unsigned long)',
} as const;

const XTST_PROTOS = {
  XTestQueryExtension: 'int XTestQueryExtension(void*, void*, void*, void*, void*)',
  XTestFakeMotionEvent: 'int XTestFakeMotionEvent(void*, int, int, int, unsigned long)',
  XTestFakeButtonEvent: 'int XTestFakeButtonEvent(void*, unsigned int, int, unsigned long)',
  XTestFakeKeyEvent: 'int XTestFakeKeyEvent(void*, unsigned int, int, unsigned long)',
} as const;

const XFIXES_PROTOS = {
  XFixesQueryExtension: 'int XFixesQueryExtension(void*, void*, void*)',
  XFixesQueryVersion: 'int XFixesQueryVersion(void*, void*, void*)',
  XFixesGetCursorImage: 'void* XFixesGetCursorImage(void*)',
  XFixesSelectCursorInput: 'void XFixesSelectCursorInput(void*, unsigned long, unsigned long)',
  XFixesSelectSelectionInput: 'void XFixesSelectSelectionInput(void*, unsigned long, unsigned long, unsigned long)',
  XFixesCreateRegion: 'unsigned long XFixesCreateRegion(void*, void*, int)',
  XFixesDestroyRegion: 'void XFixesDestroyRegion(void*, unsigned long)',
  XFixesFetchRegion: 'void* XFixesFetchRegion(void*, unsigned long, void*)',
} as const;

const XDAMAGE_PROTOS = {
  XDamageQueryExtension: 'int XDamageQueryExtension(void*, void*, void*)',
  XDamageCreate: 'unsigned long XDamageCreate(void*, unsigned long, int)',
  XDamageDestroy: 'void XDamageDestroy(void*, unsigned long)',
  XDamageSubtract: 'void XDamageSubtract(void*, unsigned long, unsigned long, unsigned long)',
} as const;

const XRANDR_PROTOS = {
  XRRQueryExtension: 'int XRRQueryExtension(void*, void*, void*)',
  XRRGetMonitors: 'void* XRRGetMonitors(void*, unsigned long, int, void*)',
  XRRFreeMonitors: 'void XRRFreeMonitors(void*)',
  XRRSelectInput: 'void XRRSelectInput(void*, unsigned long, int)',
} as const;

const XI_PROTOS = {
  XIQueryVersion: 'int XIQueryVersion(void*, void*, void*)',
  XISelectEvents: 'int XISelectEvents(void*, unsigned long, XIEventMask*, int)',
} as const;

const LIBC_PROTOS = {
  shmget: 'int shmget(int, size_t, int)',
  shmat: 'void* shmat(int, void*, int)',
  shmdt: 'int shmdt(void*)',
  shmctl: 'int shmctl(int, int, void*)',
} as const;

let x11: { [K in keyof typeof X11_PROTOS]: Fn } | undefined;
let xext: { [K in keyof typeof XEXT_PROTOS]: Fn } | undefined;
let xtst: { [K in keyof typeof XTST_PROTOS]: Fn } | undefined;
let xfixes: { [K in keyof typeof XFIXES_PROTOS]: Fn } | undefined;
let xdamage: { [K in keyof typeof XDAMAGE_PROTOS]: Fn } | undefined;
let xrandr: { [K in keyof typeof XRANDR_PROTOS]: Fn } | undefined;
let libc: { [K in keyof typeof LIBC_PROTOS]: Fn } | undefined;
let xi: { [K in keyof typeof XI_PROTOS]: Fn } | undefined;

export const X = () => {
  x11 ??= bind('libX11.so.6', X11_PROTOS);
  return x11;
};
export const Xext = () => {
  xext ??= bind('libXext.so.6', XEXT_PROTOS);
  return xext;
};
export const Xtst = () => {
  xtst ??= bind('libXtst.so.6', XTST_PROTOS);
  return xtst;
};
export const Xfixes = () => {
  xfixes ??= bind('libXfixes.so.3', XFIXES_PROTOS);
  return xfixes;
};
export const Xdamage = () => {
  xdamage ??= bind('libXdamage.so.1', XDAMAGE_PROTOS);
  return xdamage;
};
export const Xrandr = () => {
  xrandr ??= bind('libXrandr.so.2', XRANDR_PROTOS);
  return xrandr;
};
/** XInput 2 (libxi6): optional, only used to learn that the pointer moved without asking. */
export const Xi = () => {
  if (!xi) {
    // Declared before the functions that take it; koffi marshals `mask` from a Buffer.
    koffi.struct('XIEventMask', { deviceid: 'int', mask_len: 'int', mask: 'uint8_t*' });
    xi = bind('libXi.so.6', XI_PROTOS);
  }
  return xi;
};
export const Libc = () => {
  libc ??= bind('libc.so.6', LIBC_PROTOS);
  return libc;
};

/** Loads every library the X11 backend needs, so a missing one is reported at start-up. */
export function loadAllX11(): void {
  X();
  Xext();
  Xtst();
  Xfixes();
  Xdamage();
  Xrandr();
  Libc();
}

/** An XEvent is a union of at most 24 longs. */
export const XEVENT_BYTES = 192;

export function readULong(buf: Buffer, off: number): number {
  return Number(buf.readBigUInt64LE(off));
}

export function writeULong(buf: Buffer, off: number, v: number): void {
  buf.writeBigUInt64LE(BigInt(v), off);
}

/** Reads `n` C longs (as returned by Xlib for format-32 data) from native memory. */
export function decodeLongs(ptr: Ptr, n: number): number[] {
  if (n === 0) return [];
  return (koffi.decode(ptr, 'unsigned long', n) as (number | bigint)[]).map(Number);
}

export function decodeBytes(ptr: Ptr, n: number): Buffer {
  if (n === 0) return Buffer.alloc(0);
  return Buffer.from(koffi.decode(ptr, 'uint8_t', n) as number[]);
}

export function isNull(p: Ptr): boolean {
  return p === null || koffi.address(p) === 0n;
}

export { koffi };
