#!/usr/bin/env node
/**
 * The demo launcher: `node scripts/start.mjs [layout]`. Builds what is missing, then opens the
 * workbench in Electron when its binary is installed, else in browser mode through `hvwb ui`
 * (the real logic is in src/server and the CLI; this file only decides and delegates).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

const repoRoot = path.resolve(import.meta.dirname, '..');
const layout = path.resolve(process.argv[2] ?? path.join(repoRoot, 'examples/riscv64-hello'));
const require = createRequire(import.meta.url);
const inRepo = (...parts) => path.join(repoRoot, ...parts);

function run(args, what) {
  console.log(`[start] ${what}`);
  const result = spawnSync(process.execPath, args, { cwd: repoRoot, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`[start] ${what} failed`);
    process.exit(result.status ?? 1);
  }
}

/** The npm package installs fine without its binary here; only a real executable counts. */
function electronBinary() {
  try {
    const binary = require('electron');
    return typeof binary === 'string' && existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

/** Hands the terminal to a child and mirrors its exit status, forwarding Ctrl+C and kill. */
function delegate(command, args, env) {
  const child = spawn(command, args, { cwd: repoRoot, stdio: 'inherit', env: { ...process.env, ...env } });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (!existsSync(layout)) {
  console.error(`[start] no layout at ${layout}`);
  process.exit(1);
}

if (existsSync(inRepo('scripts/build-node.mjs'))) run([inRepo('scripts/build-node.mjs')], 'building the Node entry points');

const electron = electronBinary();
if (electron) {
  if (!existsSync(inRepo('out/main/index.js')) || !existsSync(inRepo('out/preload/index.cjs')) || !existsSync(inRepo('out/renderer/index.html'))) {
    run([inRepo('node_modules/electron-vite/bin/electron-vite.js'), 'build'], 'building main, preload and renderer');
  }
  delegate(electron, [repoRoot], { HVWB_LAYOUT: layout });
} else {
  if (!existsSync(inRepo('out/renderer/index.html'))) {
    run([inRepo('node_modules/vite/bin/vite.js'), 'build', '--config', 'src/renderer/vite.config.ts'], 'building the renderer');
  }
  const cli = inRepo('bin/hvwb.mjs');
  if (!existsSync(cli)) {
    console.error('[start] Electron is not installed and bin/hvwb.mjs (browser mode) is missing.');
    process.exit(1);
  }
  console.log('[start] Electron binary not available: starting browser mode');
  // V8's background threads sized by the cores, as bin/hvwb.mjs's own line asks.
  delegate(process.execPath, ['--v8-pool-size=0', cli, 'ui', layout], {});
}
