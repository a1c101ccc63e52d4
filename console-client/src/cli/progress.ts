// Progress lines for long steps go to stderr, so stdout stays clean for `--json` and for pipes.
export type Progress = (message: string) => void;

export const stderrProgress =
  (quiet: boolean): Progress =>
  (message) => {
    if (!quiet) process.stderr.write(`rc-console: ${message}\n`);
  };
