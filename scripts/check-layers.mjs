#!/usr/bin/env node
// Enforces the layer rule of docs/DESIGN (shared <- boards, core <- host <- main/cli/server;
// shared <- preload, renderer): every relative import must stay inside the layers its folder may
// use, and node:/electron/vue imports only where the layer allows them. Exit 1 with each violation.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'src');

const allowed = {
  shared: { layers: ['shared'], packages: [] },
  boards: { layers: ['shared', 'boards'], packages: [] },
  core: { layers: ['shared', 'boards', 'core'], packages: [] },
  host: { layers: ['shared', 'boards', 'core', 'host'], packages: ['node:', 'node-pty', 'ws'] },
  cli: { layers: ['shared', 'boards', 'core', 'host', 'server', 'cli'], packages: ['node:', 'ws'] },
  server: { layers: ['shared', 'host', 'server'], packages: ['node:', 'ws'] },
  main: { layers: ['shared', 'host', 'server', 'main'], packages: ['node:', 'electron'] },
  preload: { layers: ['shared', 'preload'], packages: ['electron'] },
  renderer: { layers: ['shared', 'renderer'], packages: ['vue', 'pinia', '@xterm/', '/@vite/', 'virtual:'] },
};

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return files(full);
    return /\.(ts|vue|mts)$/.test(name) && !/\.(d|config)\.ts$/.test(name) ? [full] : [];
  });
}

const importPattern = /(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;
const violations = [];
for (const file of files(src)) {
  const layer = path.relative(src, file).split(path.sep)[0];
  const rule = allowed[layer];
  if (!rule) {
    violations.push(`${path.relative(root, file)}: folder src/${layer} is not a known layer`);
    continue;
  }
  const text = readFileSync(file, 'utf8');
  for (const match of text.matchAll(importPattern)) {
    const spec = match[1] ?? match[2] ?? match[3];
    if (spec.startsWith('.')) {
      const target = path.resolve(path.dirname(file), spec);
      const targetLayer = path.relative(src, target).split(path.sep)[0];
      if (!rule.layers.includes(targetLayer)) {
        violations.push(`${path.relative(root, file)}: layer '${layer}' may not import '${spec}' (layer '${targetLayer}')`);
      }
    } else if (!rule.packages.some((p) => spec === p.replace(/\/$/, '') || spec.startsWith(p))) {
      violations.push(`${path.relative(root, file)}: layer '${layer}' may not import package '${spec}'`);
    }
  }
}
if (violations.length > 0) {
  console.error(violations.join('\n'));
  console.error(`${violations.length} layer violation(s)`);
  process.exit(1);
}
console.log('layers: ok');
