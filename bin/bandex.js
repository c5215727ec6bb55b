#!/usr/bin/env node
// The `bandex` binary: runs the TypeScript sources through tsx's loader, so the
// package ships one source of truth and no build step is needed to run it.
import { register } from 'tsx/esm/api';
register();
await import('../src/cli/main.ts');
