#!/usr/bin/env -S node --v8-pool-size=0
// The `hvwb` command: runs the built CLI, building it first when the sources are newer.
// --v8-pool-size=0 sizes V8's background threads by the host's cores (one fewer than them) instead of
// Node's four: on 2 cores the four optimizing threads took the vCPU thread's core from it (a riscv64
// boot's vCPU waited ~0.8 s to run), and alternated boots were ~5 % faster with one (decision 0014).
// `node bin/hvwb.mjs` leaves Node's default.
import { existsSync, statSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'out/node/cli.js');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'renderer') newest = Math.max(newest, newestSource(full));
    } else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

if (!existsSync(cli) || statSync(cli).mtimeMs < newestSource(path.join(root, 'src'))) {
  execFileSync(process.execPath, [path.join(root, 'scripts/build-node.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
}
const { main } = await import(pathToFileURL(cli).href);
process.exitCode = await main(process.argv.slice(2));
