#!/usr/bin/env node
// Builds the Node entry points (CLI, vCPU worker, browser-mode server) into out/node with Vite's SSR
// build: one bundle per entry, dependencies left as imports of node_modules.
//
// Several builds may run at once (two test runs, `hvwb` rebuilding while tests run), and a process may
// be loading the previous build's worker meanwhile. So each build goes to a folder of its own under
// out/node-builds, and out/node is a symbolic link switched to it in one rename: a reader sees either
// the old build or the new one, whole. Node resolves a module through the link once (to the real
// path), so a process that started on a build keeps loading its chunks from it; builds older than an
// hour are removed.
import { build } from 'vite';
import { existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entries = {
  cli: 'src/cli/index.ts',
  'vcpu-worker': 'src/host/vcpu-worker.ts',
};
const input = Object.fromEntries(
  Object.entries(entries)
    .filter(([, file]) => existsSync(path.join(root, file)))
    .map(([name, file]) => [name, path.join(root, file)]),
);

const builds = path.join(root, 'out/node-builds');
const name = `${Date.now()}-${process.pid}`;
const outDir = path.join(builds, name);
mkdirSync(builds, { recursive: true });

await build({
  root,
  configFile: false,
  logLevel: 'warn',
  build: {
    ssr: true,
    target: 'node20',
    outDir,
    emptyOutDir: true,
    sourcemap: true,
    minify: false,
    rollupOptions: {
      input,
      output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
    },
  },
});

const link = path.join(root, 'out/node');
const staged = `${link}.${name}`;
symlinkSync(path.join('node-builds', name), staged);
// An out/node folder from before builds were linked: replaced once (no process can be using a link yet).
if (existsSync(link) && !lstatSync(link).isSymbolicLink()) rmSync(link, { recursive: true, force: true });
renameSync(staged, link);

const HOUR = 3_600_000;
for (const old of readdirSync(builds)) {
  const full = path.join(builds, old);
  if (old !== name && Date.now() - statSync(full).mtimeMs > HOUR) rmSync(full, { recursive: true, force: true });
}
