#!/usr/bin/env node
// Runs the TypeScript CLI in this very process through tsx's loader, so `npx rc-console …` works
// from a checkout without a build step. One process, not a tsx child: Ctrl+C reaches the LAN bridge
// directly (tsx's own CLI would SIGKILL a child that is slow to confirm a relayed signal).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
