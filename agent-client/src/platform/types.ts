// What differs per operating system for the service itself (not the desktop): where the config
// lives and how the agent is installed as a service. One implementation per platform, chosen once.
export interface ServicePlatform {
  readonly name: string;
  /** Default config path; RC_AGENT_CONFIG and --config override it. */
  defaultConfigPath(): string;
  installService(opts: { configPath: string; execStart: string[] }): Promise<string>;
  uninstallService(): Promise<string>;
}

export class NotSupportedError extends Error {}
