#!/usr/bin/env node
// Decode coverage of the A64 CPU over real binaries: every 32-bit word of the executable sections of
// an ELF file (e.g. a static busybox) or of an arm64 kernel Image's text is looked up in the CPU's
// decode table (src/core/isa/aarch64/instructions.ts), and the words with no row are named by GNU
// objdump and listed grouped by class and mnemonic. Words objdump does not decode either (data in the
// kernel's text, `udf`) are counted apart: the figures are "in objdump-decoded instructions".
//
// A kernel Image carries no section table for its text and rodata: the PE header's .text covers both,
// so the text is taken as the leading run of 64 KiB blocks in which most words decode (rodata does not).
//
// Each missing mnemonic is tagged with the extension it belongs to when the CPU's ID registers do not
// announce that extension (crypto, SVE, MTE, ...): software checks the ID registers or HWCAPs before
// using those, so the figure that matters is "missing in features the ID registers announce".
//
// Usage: node scripts/a64-coverage.mjs FILE... [--json]
//   --json  print the figures as JSON
// Needs aarch64-linux-gnu-objdump (binutils-aarch64-linux-gnu) to name the missing encodings.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'rolldown';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OBJDUMP = 'aarch64-linux-gnu-objdump';
const args = process.argv.slice(2);
const files = args.filter((a) => !a.startsWith('--'));
const asJson = args.includes('--json');
if (files.length === 0) {
  console.error('usage: node scripts/a64-coverage.mjs FILE... [--json]   (FILE: an AArch64 ELF or a kernel Image)');
  process.exit(2);
}

/** Bundles the decoder (TypeScript) into a temporary module and imports it. */
async function loadDecoder(dir) {
  const out = path.join(dir, 'decoder.mjs');
  await build({
    input: path.join(root, 'src/core/isa/aarch64/decoder.ts'),
    platform: 'node',
    logLevel: 'silent',
    output: { file: out, format: 'esm' },
  });
  return import(pathToFileURL(out).href);
}

/** Executable regions of a file as [name, Uint32Array of words]. */
function regions(file) {
  const buf = readFileSync(file);
  if (buf.readUInt32BE(0) === 0x7f454c46) {
    if (buf[4] !== 2 || buf[5] !== 1) throw new Error(`${file}: not a 64-bit little-endian ELF`);
    const shoff = Number(buf.readBigUInt64LE(0x28));
    const shentsize = buf.readUInt16LE(0x3a);
    const shnum = buf.readUInt16LE(0x3c);
    const shstrndx = buf.readUInt16LE(0x3e);
    const sh = (i) => {
      const o = shoff + i * shentsize;
      return { name: buf.readUInt32LE(o), type: buf.readUInt32LE(o + 4), flags: Number(buf.readBigUInt64LE(o + 8)), offset: Number(buf.readBigUInt64LE(o + 0x18)), size: Number(buf.readBigUInt64LE(o + 0x20)) };
    };
    const strtab = sh(shstrndx);
    const nameOf = (n) => {
      let e = strtab.offset + n;
      while (buf[e] !== 0) e++;
      return buf.toString('latin1', strtab.offset + n, e);
    };
    const out = [];
    for (let i = 0; i < shnum; i++) {
      const s = sh(i);
      if (s.type !== 1 || (s.flags & 4) === 0) continue; // PROGBITS, SHF_EXECINSTR
      const copy = Buffer.from(buf.subarray(s.offset, s.offset + (s.size & ~3)));
      out.push([nameOf(s.name), new Uint32Array(copy.buffer, copy.byteOffset, copy.length / 4)]);
    }
    if (out.length === 0) throw new Error(`${file}: no executable section`);
    return out;
  }
  if (buf.length >= 64 && buf.readUInt32LE(0x38) === 0x644d5241) { // "ARM\x64" at 0x38: arm64 Image
    const peOff = buf.readUInt32LE(0x3c);
    let start = 0, end = buf.length;
    if (buf.readUInt32LE(peOff) === 0x4550) { // PE header: take .text
      const sections = buf.readUInt16LE(peOff + 6);
      const optSize = buf.readUInt16LE(peOff + 20);
      for (let i = 0; i < sections; i++) {
        const o = peOff + 24 + optSize + i * 40;
        if (buf.toString('latin1', o, o + 8).replace(/\0+$/, '') === '.text') {
          start = buf.readUInt32LE(o + 20);
          end = start + buf.readUInt32LE(o + 16);
        }
      }
    }
    const copy = Buffer.from(buf.subarray(start, end & ~3));
    return [['Image .text', new Uint32Array(copy.buffer, copy.byteOffset, copy.length / 4)], ['Image head', new Uint32Array(Buffer.from(buf.subarray(0, 64)).buffer)]];
  }
  throw new Error(`${file}: neither an ELF file nor an arm64 kernel Image (no ELF magic, no "ARMd" at 0x38)`);
}

/** objdump's text for each word (fixed-width decoding: each word on its own). */
function objdumpTexts(words, dir) {
  const file = path.join(dir, 'words.bin');
  const buf = Buffer.alloc(words.length * 4);
  words.forEach((w, i) => buf.writeUInt32LE(w >>> 0, i * 4));
  writeFileSync(file, buf);
  const text = execFileSync(OBJDUMP, ['-D', '-b', 'binary', '-m', 'aarch64', file], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const result = [];
  for (const line of text.split('\n')) {
    const m = /^\s*[0-9a-f]+:\t([0-9a-f]{8}) \t(.*)$/.exec(line);
    if (m) result.push(m[2].replace(/\s*\/\/.*$/, '').trim());
  }
  if (result.length !== words.length) throw new Error(`objdump gave ${result.length} lines for ${words.length} words`);
  return result;
}

/**
 * FP/SIMD: op0 x111 (data processing, SIMD and FP) or a load/store with the V bit (op0 x1x0, bit 26),
 * except the FEAT_MOPS memory copy/set encodings (bits 29..24 = 011x01), which sit there too.
 */
const isFpSimd = (w) => ((w >>> 24) & 0x3b) !== 0x19 && (((w >>> 25) & 7) === 7 || (((w >>> 25) & 5) === 4 && ((w >>> 26) & 1) === 1));

/**
 * The architecture extension an objdump text belongs to when the CPU's ID registers do not announce it
 * (software must not use it then: the kernel and glibc check ID registers or HWCAPs first), else undefined.
 */
const UNANNOUNCED = [
  ['crypto', /^(aes|sha\d|sm3|sm4|xar|bcax|eor3|rax1)|^pmull2?\t.*\.1q/],
  ['FCMA', /^(fcmla|fcadd)\b/],
  ['FP16', /^f\w+\t.*(\bh\d+\b|\.[48]h\b|\.h\[)/],
  ['MOPS', /^(cpy|set)[a-z]*\t/],
  ['MTE', /^(irg|gmi|ldg|stg|st2g|stzg|stz2g|stgm|stzgm|ldgm|subp|subps|addg|subg)\b/],
  ['SVE/SME', /\b(z\d+|p\d+|za\w*)\b|^(rdvl|rdsvl|addsvl|addvl|addpl|cnt[bhwd]|inc[bhwd]|dec[bhwd]|ptrue|pfalse|whilel[ot]|wrffr|rdffr|setffr|smstart|smstop)\b/],
  ['SB', /^sb$/],
  ['PAN/UAO/DIT/SSBS (PSTATE)', /^msr\t(pan|uao|dit|ssbs|tco|allint|pm|svcr\w*),/],
  ['PAuth', /^(pac|aut|xpac|reta|bra|blra|eret[ab]|ldra)/],
  ['WFxT', /^(wfit|wfet)\b/],
];
const unannounced = (text) => UNANNOUNCED.find(([, re]) => re.test(text))?.[0];

const dir = mkdtempSync(path.join(tmpdir(), 'a64-coverage-'));
try {
  const { decode } = await loadDecoder(dir);
  const cache = new Map();
  const rowOf = (w) => {
    let r = cache.get(w);
    if (r === undefined) {
      r = decode(w) ?? null;
      cache.set(w, r);
    }
    return r;
  };
  const report = [];
  for (const file of files) {
    let parts = regions(file);
    const kernel = parts[0][0] === 'Image .text';
    if (kernel) {
      // Text ends at the first 64 KiB block where fewer than 3 words in 4 decode (rodata, data).
      const words = parts[0][1];
      const block = 16384;
      let end = 0;
      for (let b = 0; b < words.length; b += block) {
        let known = 0;
        const top = Math.min(words.length, b + block);
        for (let i = b; i < top; i++) if (rowOf(words[i] >>> 0)) known++;
        if (known / (top - b) < 0.75) break;
        end = top;
      }
      parts = [[`Image text (first ${(end * 4 / 1048576).toFixed(1)} MiB of .text)`, words.subarray(0, end)]];
    }
    let scanned = 0;
    const missing = new Map(); // word -> count
    for (const [, words] of parts) {
      for (let i = 0; i < words.length; i++) {
        const w = words[i] >>> 0;
        scanned++;
        if (!rowOf(w)) missing.set(w, (missing.get(w) ?? 0) + 1);
      }
    }
    const distinct = [...missing.keys()];
    const texts = distinct.length ? objdumpTexts(distinct, dir) : [];
    const groups = new Map(); // class/mnemonic -> {count, encodings, example}
    let notInstructions = 0;
    distinct.forEach((w, i) => {
      const text = texts[i];
      const count = missing.get(w);
      if (text.startsWith('.inst') || text.startsWith('udf') || text === '') {
        notInstructions += count;
        return;
      }
      const mnemonic = text.split(/\s+/)[0];
      const cls = isFpSimd(w) ? 'fp/simd' : 'integer/system';
      const feature = unannounced(text);
      const key = `${cls}\t${mnemonic}\t${feature}`;
      const g = groups.get(key) ?? { cls, mnemonic, feature, count: 0, encodings: 0, example: `${w.toString(16).padStart(8, '0')}  ${text}` };
      g.count += count;
      g.encodings++;
      groups.set(key, g);
    });
    const list = [...groups.values()].sort((a, b) => (a.cls === b.cls ? b.count - a.count : a.cls === 'fp/simd' ? -1 : 1));
    const total = (cls, announcedOnly = false) => list.filter((g) => g.cls === cls && (!announcedOnly || !g.feature)).reduce((s, g) => s + g.count, 0);
    report.push({
      file, regions: parts.map(([name, words]) => `${name}: ${words.length} words`), scanned,
      decodedByObjdumpOnly: list.reduce((s, g) => s + g.count, 0), notInstructions,
      missingFpSimd: total('fp/simd'), missingInteger: total('integer/system'),
      missingAnnouncedFpSimd: total('fp/simd', true), missingAnnouncedInteger: total('integer/system', true), groups: list,
    });
  }
  if (asJson) console.log(JSON.stringify(report, null, 1));
  else {
    for (const r of report) {
      console.log(`${r.file}\n  ${r.regions.join('; ')}`);
      console.log(`  words scanned: ${r.scanned}; no decode row: ${r.decodedByObjdumpOnly + r.notInstructions} (${r.notInstructions} not instructions for objdump either)`);
      console.log(`  missing, in objdump-decoded instructions: ${r.decodedByObjdumpOnly} (FP/SIMD ${r.missingFpSimd}, integer/system ${r.missingInteger}) in ${r.groups.length} mnemonics`);
      console.log(`  of which in features the ID registers announce: FP/SIMD ${r.missingAnnouncedFpSimd}, integer/system ${r.missingAnnouncedInteger}`);
      for (const g of r.groups) {
        const tag = g.feature ? `[${g.feature}, not announced]` : '';
        console.log(`    ${g.cls.padEnd(15)} ${g.mnemonic.padEnd(12)} ${String(g.count).padStart(7)} words ${String(g.encodings).padStart(6)} encodings ${tag.padEnd(28)} e.g. ${g.example}`);
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
