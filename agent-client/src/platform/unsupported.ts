// Windows and macOS service installation come with their own issues; until then say so plainly.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { NotSupportedError, type ServicePlatform } from './types';

export class UnsupportedPlatform implements ServicePlatform {
  constructor(
    readonly name: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  defaultConfigPath(): string {
    if (this.name === 'windows') return join(this.env.ProgramData || 'C:\\ProgramData', 'rc-agent', 'agent.json');
    if (this.name === 'macos') return join(homedir(), 'Library', 'Application Support', 'rc-agent', 'agent.json');
    return join(homedir(), '.rc-agent', 'agent.json');
  }

  async installService(): Promise<string> {
    throw new NotSupportedError(`install-service is not supported yet on ${this.name}`);
  }

  async uninstallService(): Promise<string> {
    throw new NotSupportedError(`uninstall-service is not supported yet on ${this.name}`);
  }
}
