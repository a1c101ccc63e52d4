// Debian packages some tests drive (coturn's clients, Chromium). `npm test` installs them when run
// as root; a developer without root gets those tests skipped with the reason printed, but in CI
// (CI=true) a missing package is a failure, never a silent skip.
import { existsSync } from 'node:fs';

export function missingTool(path: string, debianPackage: string): boolean {
  if (existsSync(path)) return false;
  if (process.env.CI) return false; // run the test and let it fail loudly
  console.warn(`skipping tests that need ${path}: install the Debian package '${debianPackage}'`);
  return true;
}
