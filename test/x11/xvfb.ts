// Throwaway X servers for the X11 tests: Xvfb picks a free display number itself (-displayfd) and
// never resets (-noreset), so state such as RandR monitors survives clients coming and going.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { missingTool } from '../support/system';

const execFileAsync = promisify(execFile);

export const noXvfb = () => missingTool('/usr/bin/Xvfb', 'xvfb');

export interface Xvfb {
  display: string;
  pid: number;
  width: number;
  height: number;
  env: NodeJS.ProcessEnv;
  /** Runs an X client against this display to completion. */
  run(cmd: string, args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/** A display number nobody uses (no socket, no lock file). */
export function freeDisplayNumber(): number {
  for (let n = 40; n < 400; n++) {
    if (!existsSync(`/tmp/.X11-unix/X${n}`) && !existsSync(`/tmp/.X${n}-lock`)) return n;
  }
  throw new Error('no free X display number');
}

/** `auth`: an Xauthority file the server requires clients to present (and its display number). */
export async function startXvfb(width = 640, height = 480, auth?: { file: string; number: number }): Promise<Xvfb> {
  const where = auth ? [`:${auth.number}`, '-auth', auth.file] : [];
  const child: ChildProcess = spawn(
    'Xvfb',
    [...where, '-displayfd', '3', '-screen', '0', `${width}x${height}x24`, '-nolisten', 'tcp', '-noreset'],
    { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] },
  );
  const number = await new Promise<string>((resolve, reject) => {
    let got = '';
    const t = setTimeout(() => reject(new Error('Xvfb did not start')), 10_000);
    child.stdio[3]!.on('data', (c: Buffer) => {
      got += c.toString();
      if (got.includes('\n')) {
        clearTimeout(t);
        resolve(got.trim());
      }
    });
    child.once('exit', (code) => reject(new Error(`Xvfb exited with ${code}`)));
  });
  const display = `:${number}`;
  const env: NodeJS.ProcessEnv = { ...process.env, DISPLAY: display };
  delete env.XAUTHORITY;
  if (auth) env.XAUTHORITY = auth.file;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    display,
    pid: child.pid!,
    width,
    height,
    env,
    run: async (cmd, args) => (await execFileAsync(cmd, args, { env, timeout: 10_000 })).stdout,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
