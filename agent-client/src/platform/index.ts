// The one place that looks at process.platform.
import { LinuxPlatform } from './linux';
import type { ServicePlatform } from './types';
import { UnsupportedPlatform } from './unsupported';

export function currentPlatform(): ServicePlatform {
  if (process.platform === 'linux') return new LinuxPlatform();
  if (process.platform === 'win32') return new UnsupportedPlatform('windows');
  if (process.platform === 'darwin') return new UnsupportedPlatform('macos');
  return new UnsupportedPlatform(process.platform);
}

export function osName(): 'linux' | 'windows' | 'macos' | 'other' {
  return process.platform === 'linux'
    ? 'linux'
    : process.platform === 'win32'
      ? 'windows'
      : process.platform === 'darwin'
        ? 'macos'
        : 'other';
}

export type { ServicePlatform } from './types';
export { NotSupportedError } from './types';
