#!/usr/bin/env node
// The `weian-server` command from a checkout: runs the TypeScript CLI in this very process (tsx's
// loader, no child process), so a signal sent to it reaches the server itself.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
