#!/usr/bin/env node
// build-guests-loongarch64.mjs: builds the loongarch64 guest programs from guest/loongarch64 into
// guest/loongarch64/bin/ (an ELF and a flat image per program) with the workbench's own LA64 assembler,
// so no cross toolchain is needed (Debian bookworm has none for LoongArch). The assembler is TypeScript:
// it is bundled with Vite into a temporary folder first. Output is reproducible.
import { build } from 'vite';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const guest = path.join(root, 'guest/loongarch64');
const tmp = mkdtempSync(path.join(tmpdir(), 'hvwb-la64-'));
try {
  await build({
    root,
    configFile: false,
    logLevel: 'warn',
    build: {
      ssr: true,
      target: 'node20',
      outDir: tmp,
      emptyOutDir: true,
      minify: false,
      rollupOptions: { input: { build: path.join(guest, 'build.ts') }, output: { format: 'es', entryFileNames: '[name].mjs' } },
    },
  });
  const { PROGRAMS, buildProgram, programSource } = await import(pathToFileURL(path.join(tmp, 'build.mjs')).href);
  mkdirSync(path.join(guest, 'bin'), { recursive: true });
  const built = new Map();
  for (const program of PROGRAMS) {
    const source = programSource(program, (p) => readFileSync(path.join(root, p), 'utf8'), (name) => built.get(name));
    const { elf, bin } = buildProgram(program, source);
    built.set(program.name, bin);
    writeFileSync(path.join(guest, 'bin', `${program.name}.elf`), elf);
    writeFileSync(path.join(guest, 'bin', `${program.name}.bin`), bin);
    console.log(`  built bin/${program.name}.elf and bin/${program.name}.bin (${bin.length} bytes at 0x${program.base.toString(16)})`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
