#!/usr/bin/env node
// Builds the Node entry points (CLI, vCPU worker, browser-mode server) into out/node with Vite's SSR
// build: one bundle per entry, dependencies left as imports of node_modules.
import { build } from 'vite';
import { existsSync } from 'node:fs';
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

await build({
  root,
  configFile: false,
  logLevel: 'warn',
  build: {
    ssr: true,
    target: 'node20',
    outDir: path.join(root, 'out/node'),
    emptyOutDir: true,
    sourcemap: true,
    minify: false,
    rollupOptions: {
      input,
      output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
    },
  },
});
