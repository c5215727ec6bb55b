#!/usr/bin/env node
/* global process, console */
// Builds the flow collector's native receive path (native/flowio.c -> build/flowio.node) with the
// system C compiler against the running Node's headers; run by `npm ci`/`npm install` (root
// "install" script) and `npm run build:native`. The addon is optional: when the compiler, the
// headers or Linux are missing this prints a warning and exits 0, and the collector falls back to
// node:dgram (docs/traffic.md). Plain JavaScript so it runs before anything else is set up. Its
// environment variables are not BANDEX_* ones: those are configuration, and serve refuses unknown ones.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'native', 'flowio.c');
const out = join(root, 'build', 'flowio.node');

function headers() {
  const candidates = [
    process.env.FLOWIO_NODE_HEADERS,
    process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, 'include', 'node'),
    join(dirname(dirname(process.execPath)), 'include', 'node'),
    join(process.env.HOME ?? '', '.cache', 'node-gyp', process.versions.node, 'include', 'node'),
    '/usr/include/node',
  ];
  return candidates.find((d) => d && existsSync(join(d, 'node_api.h')));
}

function warn(why) {
  console.warn(`bandex: native flow receive path not built (${why}); the collector will use node:dgram`);
  process.exit(0);
}

if (process.platform !== 'linux') warn(`${process.platform} is not Linux`);
if (process.env.FLOWIO_SKIP_BUILD) warn('FLOWIO_SKIP_BUILD is set');
let inc = headers();
if (!inc && process.env.npm_config_node_gyp) {
  // no headers installed with this Node: the node-gyp that npm bundles downloads them (to ~/.cache/node-gyp)
  try {
    execFileSync(process.execPath, [process.env.npm_config_node_gyp, 'install', '--ensure'], { stdio: ['ignore', 'inherit', 'inherit'] });
  } catch { /* offline: reported below */ }
  inc = headers();
}
if (!inc) warn("node_api.h not found (set FLOWIO_NODE_HEADERS to Node's include/node)");
const cc = process.env.CC || 'cc';
mkdirSync(dirname(out), { recursive: true });
const tmp = `${out}.${process.pid}.tmp`;
try {
  execFileSync(cc, ['-O2', '-Wall', '-Wextra', '-fPIC', '-shared', '-fvisibility=hidden', `-I${inc}`, '-o', tmp, src], { stdio: ['ignore', 'inherit', 'inherit'] });
  renameSync(tmp, out); // atomic: a running collector never loads a half-written file
  console.log(`bandex: built ${out}`);
} catch (err) {
  warn(`${cc} failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
}
