/**
 * Debian's loong64 busybox-static (built for LA64 v1.0 with LSX: glibc's string routines and GCC's
 * vector loops) run on the LA64 CPU without a kernel: its ELF segments at their addresses in a RAM bank
 * placed there (direct address mode, PLV0), the Linux process start (argv, auxv with HWCAP's LSX bit),
 * and the few system calls its applets make answered by the test (SYSCALL enters EENTRY, where IDLE
 * hands the call to the test). It checks LSX the way the boot does, in seconds instead of the ~10
 * minutes the boot takes to reach /init: the applets' output must be exactly what busybox prints on a
 * loong64 machine. Skipped with a message when the guest images are not cached
 * (scripts/fetch-guest-images.sh --arch loongarch64).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AddressSpace } from '../../../../../src/core/bus/address-space';
import { LaCpu, LA_STATE_BYTES } from '../../../../../src/core/isa/loongarch64/cpu';
import { Csr, Ecode } from '../../../../../src/core/isa/loongarch64/csr';
import { registerWasmMemory } from '../../../../../src/core/jit/wasm-module';

/** The fetch script links the layout's images/ to its cache, busybox included. */
const BUSYBOX = 'examples/loongarch64-linux-root/images/busybox';
const present = existsSync(BUSYBOX);
if (!present) console.warn(`busybox user-mode test skipped: no ${BUSYBOX}; run bash scripts/fetch-guest-images.sh --arch loongarch64`);

const BASE = 0x1_2000_0000;
const RAM = 64 << 20;
const STACK_TOP = BASE + RAM - 0x2000;
const MMAP_START = BASE + 0x100_0000;
/** EENTRY (4 KiB aligned): an IDLE. */
const EXIT_STUB = BASE + RAM - 0x1000;
const PAGE = 16384;

interface Result {
  readonly stdout: string;
  readonly stderr: string;
  readonly status: number;
  readonly unknown: readonly number[];
  /** Instructions the CPU retired, and blocks the translation tier made (0 without it). */
  readonly retired: number;
  readonly blocks: number;
}

/**
 * Runs `busybox argv...` with `stdin`, answering its system calls; throws on any other exception.
 * `tier`: over a registered WebAssembly.Memory, with every block head translated at first sight (tier.ts).
 */
function runBusybox(argv: readonly string[], stdin = '', euen = 3n, tier = false): Result {
  const elf = readFileSync(BUSYBOX);
  let buffer: ArrayBufferLike = new SharedArrayBuffer(RAM + LA_STATE_BYTES);
  if (tier) {
    const pages = Math.ceil((RAM + LA_STATE_BYTES) / 65536);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    registerWasmMemory(memory);
    buffer = memory.buffer;
  }
  const mem = new Uint8Array(buffer, 0, RAM);
  const view = new DataView(buffer, 0, RAM);
  const bus = new AddressSpace(BASE, { buffer, byteOffset: 0, byteLength: RAM });
  const faults: string[] = [];
  const cpu = new LaCpu(
    {
      cpuId: 0, bus, clock: { now: () => 0 }, timerFrequency: 100_000_000, prid: 0x14c010,
      iocsr: { read: () => undefined, write: () => false },
      fault: (r) => faults.push(`${r.message} at pc 0x${r.pc.toString(16)}`),
    },
    { buffer, byteOffset: RAM, byteLength: LA_STATE_BYTES },
  );
  expect(cpu.tier !== undefined).toBe(tier);
  if (cpu.tier) {
    cpu.tier.hot = 1;
    cpu.tier.batch = 1;
  }
  const at = (va: number | bigint): number => {
    const off = Number(va) - BASE;
    if (off < 0 || off >= RAM) throw new Error(`address 0x${va.toString(16)} outside the test's RAM`);
    return off;
  };

  // ELF64 program headers: PT_LOAD segments copied, the rest of memsz zero (the RAM starts zeroed).
  const ev = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  const entry = Number(ev.getBigUint64(24, true));
  const phoff = Number(ev.getBigUint64(32, true));
  const phentsize = ev.getUint16(54, true);
  const phnum = ev.getUint16(56, true);
  let end = 0;
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    if (ev.getUint32(p, true) !== 1) continue;
    const offset = Number(ev.getBigUint64(p + 8, true));
    const vaddr = Number(ev.getBigUint64(p + 16, true));
    const filesz = Number(ev.getBigUint64(p + 32, true));
    const memsz = Number(ev.getBigUint64(p + 40, true));
    mem.set(elf.subarray(offset, offset + filesz), at(vaddr));
    end = Math.max(end, vaddr + memsz);
  }
  let brk = Math.ceil(end / PAGE) * PAGE;
  let mmapNext = MMAP_START;

  // The process stack as Linux builds it: argc, argv[], NULL, envp[] (none), NULL, auxv, strings.
  let sp = STACK_TOP;
  const pushString = (s: string): number => {
    const bytes = new TextEncoder().encode(`${s}\0`);
    sp -= bytes.length;
    mem.set(bytes, at(sp));
    return sp;
  };
  const args = ['busybox', ...argv].map(pushString);
  sp -= 16;
  const random = sp;
  for (let i = 0; i < 16; i++) mem[at(random) + i] = (i * 37 + 11) & 0xff;
  const HWCAP = 0x1f; // CPUCFG, LAM, UAL, FPU, LSX
  const auxv: [number, number][] = [
    [3, BASE + phoff], [4, phentsize], [5, phnum], [6, PAGE], [9, entry], [11, 0], [12, 0], [13, 0], [14, 0],
    [16, HWCAP], [23, 0], [25, random], [0, 0],
  ];
  const words = [args.length, ...args, 0, 0, ...auxv.flat()];
  sp = Math.floor((sp - words.length * 8) / 16) * 16;
  words.forEach((w, i) => view.setBigUint64(at(sp) + i * 8, BigInt(w), true));

  // SYSCALL and any other exception enter EENTRY, an IDLE that returns the CPU to the test.
  view.setUint32(at(EXIT_STUB), 0x06488000, true); // idle 0
  cpu.powerOn(BigInt(entry), []);
  cpu.csrWrite(Csr.EENTRY, BigInt(EXIT_STUB));
  cpu.csrWrite(Csr.EUEN, euen); // FPE, SXE (the kernel's lazy switch is not what this test is about)
  cpu.setR(3, BigInt(sp));
  cpu.setPc(BigInt(entry));

  let stdout = '';
  let stderr = '';
  let input = new TextEncoder().encode(stdin);
  const unknown: number[] = [];
  let clock = 0;
  const decoder = new TextDecoder();
  const readBytes = (va: bigint, n: number): Uint8Array => mem.subarray(at(va), at(va) + n);
  const write = (fd: bigint, bytes: Uint8Array): void => {
    const text = decoder.decode(bytes);
    if (fd === 1n) stdout += text;
    else stderr += text;
  };
  for (let budget = 0; budget < 400; budget++) {
    const exit = cpu.run(5_000_000);
    expect(faults).toEqual([]);
    if (exit !== 'wfi') throw new Error(`busybox ${argv.join(' ')}: the CPU stopped with '${exit}' at 0x${cpu.getPc().toString(16)}`);
    const ecode = Number((cpu.csrRead(Csr.ESTAT) >> 16n) & 0x3fn);
    const era = cpu.csrRead(Csr.ERA);
    if (ecode !== Ecode.SYS) {
      throw new Error(`busybox ${argv.join(' ')}: exception ${ecode} at 0x${era.toString(16)}, BADV 0x${cpu.csrRead(Csr.BADV).toString(16)}; stdout ${stdout}`);
    }
    const r = (n: number): bigint => BigInt.asIntN(64, cpu.getR(n));
    const [a0, a1, a2, a3] = [r(4), r(5), r(6), r(7)];
    const nr = Number(r(11));
    let ret = 0n;
    switch (nr) {
      case 64: write(a0, readBytes(a1, Number(a2))); ret = a2; break; // write
      case 66: { // writev
        let total = 0;
        for (let i = 0; i < Number(a2); i++) {
          const base = view.getBigUint64(at(a1) + i * 16, true);
          const len = Number(view.getBigUint64(at(a1) + i * 16 + 8, true));
          if (len > 0) write(a0, readBytes(base, len));
          total += len;
        }
        ret = BigInt(total);
        break;
      }
      case 63: { // read
        const n = a0 === 0n ? Math.min(Number(a2), input.length) : 0;
        mem.set(input.subarray(0, n), at(a1));
        input = input.subarray(n);
        ret = BigInt(n);
        break;
      }
      case 93: case 94: return { stdout, stderr, status: Number(a0), unknown, retired: cpu.retired, blocks: cpu.tier?.stats.blocks ?? 0 }; // exit, exit_group
      case 214: // brk
        if (a0 !== 0n && Number(a0) < MMAP_START) brk = Number(a0);
        ret = BigInt(brk);
        break;
      case 222: { // mmap: anonymous memory only
        if (a0 === 0n && r(8) === -1n) {
          ret = BigInt(mmapNext);
          mem.fill(0, at(mmapNext), at(mmapNext) + Number(a1));
          mmapNext += Math.ceil(Number(a1) / PAGE) * PAGE;
        } else ret = -19n; // ENODEV
        break;
      }
      case 215: case 226: case 233: case 99: case 134: case 135: case 132: case 57: case 25: break; // munmap, mprotect, madvise, robust list, signals, close, fcntl
      case 96: case 172: case 178: ret = 1n; break; // set_tid_address, getpid, gettid
      case 173: case 174: case 175: case 176: case 177: break; // getppid, ids: 0
      case 29: ret = -25n; break; // ioctl: ENOTTY
      case 160: { // uname
        const fields = ['Linux', 'hvwb', '7.2.13+deb14-loong64', '#1 SMP Debian 7.2.13-1', 'loongarch64', '(none)'];
        fields.forEach((f, i) => {
          mem.fill(0, at(a0) + i * 65, at(a0) + (i + 1) * 65);
          mem.set(new TextEncoder().encode(f), at(a0) + i * 65);
        });
        break;
      }
      case 261: // prlimit64
        if (a3 !== 0n) {
          view.setBigUint64(at(a3), 8n << 20n, true);
          view.setBigUint64(at(a3) + 8, (1n << 64n) - 1n, true);
        }
        break;
      case 278: for (let i = 0; i < Number(a1); i++) mem[at(a0) + i] = i & 0xff; ret = a1; break; // getrandom
      case 113: // clock_gettime: a clock that advances 1 ms per call (a loop may wait for it to move)
        clock += 1_000_000;
        view.setBigUint64(at(a1), BigInt(Math.floor(clock / 1e9)), true);
        view.setBigUint64(at(a1) + 8, BigInt(clock % 1e9), true);
        break;
      case 17: mem.set([0x2f, 0], at(a0)); ret = 2n; break; // getcwd: "/"
      case 291: // statx: fds 0-2 are a terminal-like character device, no file exists
        if (a0 >= 0n && a0 <= 2n && mem[at(a1)] === 0) {
          const buf = at(r(8));
          mem.fill(0, buf, buf + 256);
          view.setUint32(buf, 0x7ff, true); // stx_mask: the basic stats
          view.setUint32(buf + 4, 1024, true); // stx_blksize
          view.setUint32(buf + 16, 1, true); // stx_nlink
          view.setUint16(buf + 28, 0o20620, true); // stx_mode: S_IFCHR | 0620
        } else ret = -2n;
        break;
      case 48: case 56: case 78: case 79: ret = -2n; break; // faccessat, openat, readlinkat, newfstatat: ENOENT
      default: unknown.push(nr); ret = -38n; // ENOSYS
    }
    cpu.setR(4, ret);
    cpu.setPc(era + 4n);
    cpu.idle = false;
  }
  throw new Error(`busybox ${argv.join(' ')}: no exit after 2 G instructions; stdout ${stdout}`);
}

describe.skipIf(!present)("Debian's loong64 busybox on the LA64 CPU, user mode", () => {
  it('runs shell builtins: arithmetic, string lengths and pattern expansions, printf', () => {
    const r = runBusybox(['sh', '-c', 'x=hello-loongarch; echo $((6*7)) ${#x} ${x%-*} ${x#*-}; printf "%s|%5d|%x\\n" abc 42 255']);
    expect(r).toMatchObject({ stdout: '42 15 hello loongarch\nabc|   42|ff\n', stderr: '', status: 0 });
  });

  it('reads stdin through its applets: tr, wc, sort, md5sum, sed, grep', () => {
    const text = 'the quick brown fox\njumps over\nthe lazy dog\n';
    expect(runBusybox(['tr', 'a-z', 'A-Z'], text).stdout).toBe(text.toUpperCase());
    expect(runBusybox(['wc'], text).stdout.trim().split(/\s+/)).toEqual(['3', '9', '44']);
    expect(runBusybox(['sort'], text).stdout).toBe('jumps over\nthe lazy dog\nthe quick brown fox\n');
    expect(runBusybox(['md5sum'], 'hello\n').stdout).toBe('b1946ac92492d2347c6235b4d2611184  -\n');
    expect(runBusybox(['sed', 's/o/0/g'], text).stdout).toBe(text.replace(/o/g, '0'));
    expect(runBusybox(['grep', '-c', 'the'], text).stdout).toBe('2\n');
  });

  it('hashes, sorts and searches kilobytes (glibc\'s LSX memcpy, memchr, strlen and strcmp on long strings)', () => {
    const lines = Array.from({ length: 300 }, (_, i) => `${(i * 7919) % 1000} line ${'x'.repeat(i % 37)} ${i % 3 === 0 ? 'fizz' : 'buzz'}`);
    const text = `${lines.join('\n')}\n`;
    expect(runBusybox(['sha256sum'], text).stdout).toBe(`${createHash('sha256').update(text).digest('hex')}  -\n`);
    const numeric = [...lines].sort((a, b) => parseInt(a, 10) - parseInt(b, 10) || (a < b ? -1 : a > b ? 1 : 0));
    expect(runBusybox(['sort', '-n'], text).stdout).toBe(`${numeric.join('\n')}\n`);
    expect(runBusybox(['grep', '-c', 'x\\{36\\} fizz'], text).stdout).toBe(`${lines.filter((l) => / x{36} fizz/.test(l)).length}\n`);
    expect(runBusybox(['cut', '-d', ' ', '-f', '1,4'], text).stdout).toBe(`${lines.map((l) => { const f = l.split(' '); return `${f[0]} ${f[3]}`; }).join('\n')}\n`);
  });

  it('takes SXD at its first vector instruction when EUEN.SXE is clear: the applets run LSX code', () => {
    expect(() => runBusybox(['uname', '-m'], '', 1n)).toThrow(/exception 16 at 0x12/);
  });

  it('runs the same with the translation tier: output, status and instructions retired (LSX and FP through the interpreter\'s handlers inside blocks)', () => {
    const lines = Array.from({ length: 200 }, (_, i) => `${(i * 7919) % 1000} line ${'x'.repeat(i % 37)} ${i % 3 === 0 ? 'fizz' : 'buzz'}`);
    const text = `${lines.join('\n')}\n`;
    for (const [argv, input] of [[['sha256sum'], text], [['sort', '-n'], text], [['sh', '-c', 'x=hello-loongarch; echo $((6*7)) ${#x} ${x%-*}; printf "%s|%5d\\n" abc 42'], '']] as const) {
      const interp = runBusybox(argv, input);
      const tiered = runBusybox(argv, input, 3n, true);
      expect({ ...tiered, blocks: 0 }, argv.join(' ')).toEqual(interp);
      expect(tiered.blocks).toBeGreaterThan(50);
      expect(interp.retired).toBeGreaterThan(10_000);
    }
  });

  it('says what uname says', () => {
    expect(runBusybox(['uname', '-m']).stdout).toBe('loongarch64\n');
  });
});
