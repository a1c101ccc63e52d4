#!/usr/bin/env node
// Runs the TypeScript CLI in this very process through tsx's loader, so `npx rc-agent …` works from
// a checkout without a build step. One process, not a tsx child: a service manager's SIGTERM reaches
// the agent itself and it drains cleanly (tsx's own CLI would SIGKILL a child slow to confirm a
// relayed signal, and systemd would see two processes).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
