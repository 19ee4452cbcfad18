#!/usr/bin/env node
// Enforces the layer rule of docs/DESIGN (shared <- boards, core <- host <- main/cli/server;
// shared <- preload, renderer): every relative import must stay inside the layers its folder may
// use, and node:/electron/vue imports only where the layer allows them. Exit 1 with each violation.
//
// Inside core, the seam rule of DESIGN section 8: an ISA folder (src/core/isa/<arch>/) imports only the
// shared CPU, bus and block-compiler code (src/core/cpu, src/core/bus, src/core/jit), its own folder and
// src/shared, so that a third ISA plugs in without touching the others; and only the registries import
// an ISA folder, so that nothing else in the machine is shaped by one ISA.
//
// Run as a script it checks this repository; checkLayers() is exported for the tests' fake trees.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

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

/** What a file under src/core/isa/<arch>/ may import besides its own folder (paths relative to src/). */
const ISA_MAY_IMPORT = ['core/bus', 'core/cpu', 'core/jit', 'shared'];

/**
 * The files that may import ISA folders: the registries keyed by the board's architecture (the CPU
 * model registry, later the device and irqchip registries). Add one here when it lands.
 */
export const REGISTRIES = [
  // The inspector's ISA facts: instruction length, disassembler.
  'src/core/cpu/isa-inspect.ts',
  // The CPU model registry: state size, ELF machine, the views' word for a CPU.
  'src/core/cpu-models.ts',
];

/**
 * Seam debt (issue 9): files outside the registries that import an ISA folder today. The check fails if
 * another file starts to, and also if a file here stops to (remove it then), so this list can only
 * shrink. Paths relative to the repository root.
 */
export const SEAM_DEBT = [];

function files(dir) {
  // Sorted, so that reports come in the same order on every file system.
  return readdirSync(dir).sort().flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return files(full);
    return /\.(ts|vue|mts)$/.test(name) && !/\.(d|config)\.ts$/.test(name) ? [full] : [];
  });
}

/**
 * The hypervisor's arch folder a path relative to src/ lies in ('aarch64' for
 * core/hypervisor/arch/aarch64/...): hvisor's src/arch/<arch>, which may use its own ISA's CPU.
 */
function hypervisorArchOf(parts) {
  return parts[0] === 'core' && parts[1] === 'hypervisor' && parts[2] === 'arch' && parts.length > 4 ? parts[3] : undefined;
}

/** The ISA folder a path relative to src/ lies in ('riscv64' for core/isa/riscv64/...), or undefined. */
function isaOf(parts) {
  return parts[0] === 'core' && parts[1] === 'isa' && parts.length > 2 ? parts[2] : undefined;
}

const within = (parts, prefix) => prefix.split('/').every((p, i) => parts[i] === p);

const importPattern = /(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;

/**
 * Checks the tree under `root`/src. Returns the violations (one line each) and the seam-debt files that
 * still import an ISA folder.
 */
export function checkLayers(root, { registries = REGISTRIES, seamDebt = SEAM_DEBT } = {}) {
  const src = path.join(root, 'src');
  const violations = [];
  const debtLeft = new Set();
  for (const file of files(src)) {
    const rel = path.relative(root, file).split(path.sep).join('/');
    const fromParts = path.relative(src, file).split(path.sep);
    const layer = fromParts[0];
    const rule = allowed[layer];
    if (!rule) {
      violations.push(`${rel}: folder src/${layer} is not a known layer`);
      continue;
    }
    const fromIsa = isaOf(fromParts);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(importPattern)) {
      const spec = match[1] ?? match[2] ?? match[3];
      if (!spec.startsWith('.')) {
        if (!rule.packages.some((p) => spec === p.replace(/\/$/, '') || spec.startsWith(p))) {
          violations.push(`${rel}: layer '${layer}' may not import package '${spec}'`);
        }
        continue;
      }
      const toParts = path.relative(src, path.resolve(path.dirname(file), spec)).split(path.sep);
      if (!rule.layers.includes(toParts[0])) {
        violations.push(`${rel}: layer '${layer}' may not import '${spec}' (layer '${toParts[0]}')`);
        continue;
      }
      const toIsa = isaOf(toParts);
      if (fromIsa !== undefined) {
        if (toIsa !== fromIsa && !ISA_MAY_IMPORT.some((p) => within(toParts, p))) {
          violations.push(`${rel}: an ISA folder (core/isa/${fromIsa}) may import only core/bus, core/cpu, core/jit, its own folder and shared, not '${spec}'`);
        }
      } else if (toIsa !== undefined && toIsa === hypervisorArchOf(fromParts)) {
        // hvisor's arch part uses its own architecture's CPU (and nothing else's).
      } else if (toIsa !== undefined && !registries.includes(rel)) {
        if (seamDebt.includes(rel)) debtLeft.add(rel);
        else violations.push(`${rel}: only the registries may import an ISA folder, not '${spec}' (go through core/cpu, or add a registry to REGISTRIES)`);
      }
    }
  }
  for (const rel of seamDebt) {
    if (debtLeft.has(rel)) continue;
    const why = existsSync(path.join(root, rel)) ? 'no longer imports an ISA folder' : 'no longer exists';
    violations.push(`${rel}: ${why}: remove it from SEAM_DEBT in scripts/check-layers.mjs (the list only shrinks)`);
  }
  return { violations, debtLeft: [...debtLeft] };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const { violations, debtLeft } = checkLayers(root);
  if (violations.length > 0) {
    console.error(violations.join('\n'));
    console.error(`${violations.length} layer violation(s)`);
    process.exit(1);
  }
  const debt = debtLeft.length > 0 ? ` (seam debt: ${debtLeft.length} file(s) outside the registries still import an ISA folder: ${debtLeft.join(', ')})` : '';
  console.log(`layers: ok${debt}`);
}
