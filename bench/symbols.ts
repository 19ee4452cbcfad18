/**
 * Cost of a zone's symbol table (core/machine/symbols.ts): parsing a kernel-sized System.map and the
 * lookups the register view and the timeline make (one per disassembly line or trapped access).
 * Run: npx rolldown bench/symbols.ts -o out/bench/symbols.mjs --platform node && node out/bench/symbols.mjs [symbols=150000]
 */
import { parseSystemMap } from '../src/core/machine/symbols';

const count = Number(process.argv[2] ?? 150_000);
const base = 0xffffffff80000000n;
const lines: string[] = [];
for (let i = 0; i < count; i++) lines.push(`${(base + BigInt(i) * 0x40n).toString(16)} T function_number_${i}`);
const text = lines.join('\n');
lines.length = 0;
globalThis.gc?.();
const before = process.memoryUsage().heapUsed;
const t0 = performance.now();
const table = parseSystemMap(text, 'System.map');
const t1 = performance.now();
globalThis.gc?.();
const heap = process.memoryUsage().heapUsed - before;
let named = 0;
const lookups = 100_000;
for (let i = 0; i < lookups; i++) if (table.describe(base + BigInt(i * 97))) named++;
const t2 = performance.now();
console.log(
  `${table.count} symbols, ${(text.length / 1e6).toFixed(1)} MB of text: parse ${(t1 - t0).toFixed(0)} ms, heap +${(heap / 1e6).toFixed(0)} MB; ` +
    `${lookups} lookups ${(t2 - t1).toFixed(0)} ms (${(((t2 - t1) * 1e6) / lookups).toFixed(0)} ns each, ${named} named)`,
);
