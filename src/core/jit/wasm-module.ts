/**
 * A small WebAssembly binary writer for the translation tier: one module with an imported shared
 * memory, imported helper functions and exported functions whose bodies the ISA's code generator
 * writes with the opcode helpers below. Only what the tier uses is here: i32/i64 values, structured
 * control (block, loop, if), locals, loads/stores with constant offsets and calls, the v128 operations
 * (the 0xfd prefix) the A64 tier does Advanced SIMD's element-wise instructions with, and the atomic
 * read-modify-write operations (0xfe) it does LSE atomics and CAS with.
 * An imported function table lets a dispatcher call translated blocks with call_indirect; mutable i32
 * globals of the module's own (not shared between threads) hold per-block words such as the code epoch
 * a block last checked its code at.
 * Left out: data segments, floats, v128 locals.
 */

export const I32 = 0x7f;
export const I64 = 0x7e;
export type ValType = typeof I32 | typeof I64;

/** Opcodes by their text-format names (the ones the tier emits). */
export const Op = {
  block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, br: 0x0c, br_if: 0x0d, return: 0x0f, call: 0x10, call_indirect: 0x11, return_call: 0x12,
  drop: 0x1a, select: 0x1b,
  local_get: 0x20, local_set: 0x21, local_tee: 0x22, global_get: 0x23, global_set: 0x24,
  i32_load: 0x28, i64_load: 0x29, i32_load8_s: 0x2c, i32_load8_u: 0x2d, i32_load16_s: 0x2e, i32_load16_u: 0x2f,
  i64_load8_s: 0x30, i64_load8_u: 0x31, i64_load16_s: 0x32, i64_load16_u: 0x33, i64_load32_s: 0x34, i64_load32_u: 0x35,
  i32_store: 0x36, i64_store: 0x37, i32_store8: 0x3a, i32_store16: 0x3b, i64_store8: 0x3c, i64_store16: 0x3d, i64_store32: 0x3e,
  i32_const: 0x41, i64_const: 0x42,
  i32_eqz: 0x45, i32_eq: 0x46, i32_ne: 0x47, i32_lt_s: 0x48, i32_lt_u: 0x49, i32_gt_s: 0x4a, i32_gt_u: 0x4b, i32_le_s: 0x4c, i32_le_u: 0x4d, i32_ge_s: 0x4e, i32_ge_u: 0x4f,
  i64_eqz: 0x50, i64_eq: 0x51, i64_ne: 0x52, i64_lt_s: 0x53, i64_lt_u: 0x54, i64_gt_s: 0x55, i64_gt_u: 0x56, i64_le_s: 0x57, i64_le_u: 0x58, i64_ge_s: 0x59, i64_ge_u: 0x5a,
  i32_clz: 0x67, i32_add: 0x6a, i32_sub: 0x6b, i32_mul: 0x6c, i32_div_s: 0x6d, i32_div_u: 0x6e,
  i32_and: 0x71, i32_or: 0x72, i32_xor: 0x73, i32_shl: 0x74, i32_shr_s: 0x75, i32_shr_u: 0x76, i32_rotr: 0x78,
  i64_clz: 0x79, i64_add: 0x7c, i64_sub: 0x7d, i64_mul: 0x7e, i64_div_s: 0x7f, i64_div_u: 0x80,
  i64_and: 0x83, i64_or: 0x84, i64_xor: 0x85, i64_shl: 0x86, i64_shr_s: 0x87, i64_shr_u: 0x88, i64_rotr: 0x8a,
  i32_wrap_i64: 0xa7, i64_extend_i32_s: 0xac, i64_extend_i32_u: 0xad,
  i32_extend8_s: 0xc0, i32_extend16_s: 0xc1, i64_extend8_s: 0xc2, i64_extend16_s: 0xc3, i64_extend32_s: 0xc4,
} as const;

/** v128 operations (after the 0xfd prefix) by their text-format names: the ones the A64 tier emits. */
export const SimdOp = {
  v128_load: 0x00, v128_store: 0x0b, v128_const: 0x0c, i8x16_shuffle: 0x0d, i64x2_replace_lane: 0x1e,
  v128_not: 0x4d, v128_and: 0x4e, v128_andnot: 0x4f, v128_or: 0x50, v128_xor: 0x51, v128_bitselect: 0x52,
  i8x16_shl: 0x6b, i8x16_shr_s: 0x6c, i8x16_shr_u: 0x6d, i8x16_add: 0x6e, i8x16_sub: 0x71,
  i16x8_shl: 0x8b, i16x8_shr_s: 0x8c, i16x8_shr_u: 0x8d, i16x8_add: 0x8e, i16x8_sub: 0x91,
  i32x4_shl: 0xab, i32x4_shr_s: 0xac, i32x4_shr_u: 0xad, i32x4_add: 0xae, i32x4_sub: 0xb1,
  i64x2_shl: 0xcb, i64x2_shr_s: 0xcc, i64x2_shr_u: 0xcd, i64x2_add: 0xce, i64x2_sub: 0xd1,
} as const;

/**
 * Atomic loads, stores and read-modify-write operations (after the 0xfe prefix) on i64 values: the first opcode of each
 * group, followed by its widths in the order i32, i64, i32 8/16-bit, i64 8/16/32-bit (atomicWidth).
 */
export const AtomicOp = { load: 0x10, store: 0x17, add: 0x1e, and: 0x2c, or: 0x33, xor: 0x3a, xchg: 0x41, cmpxchg: 0x48 } as const;
/** Offset of the i64 form of `bytes` (1, 2, 4, 8) within an AtomicOp group (zero-extending the narrow ones). */
export const atomicWidth = (bytes: number): number => (bytes === 8 ? 1 : bytes === 4 ? 6 : bytes === 2 ? 5 : 4);

/** Block type of a `block`/`loop`/`if` without a result. */
export const VOID = 0x40;

/** Bytes of a padded u32 LEB128 (Bytes.padded): any u32 fits. */
const PADDED = 5;

/** Growable byte buffer with LEB128 writers. */
export class Bytes {
  private buf: Uint8Array;
  length = 0;

  /**
   * `capacity`: the bytes expected, so that a buffer of known size is not grown (copied) on the way; or
   * `reuse`, a spare buffer to write into from its start (FunctionBody's pool).
   */
  constructor(capacity = 256, reuse?: Uint8Array) {
    this.buf = reuse ?? new Uint8Array(capacity);
  }

  /** The buffer written so far and beyond (for a pool to take back; this Bytes must not be written again). */
  get buffer(): Uint8Array {
    return this.buf;
  }

  /** Overwrites the padded LEB128 at `at` (written by `padded`) with `v`. */
  patchPadded(at: number, v: number): void {
    let x = v >>> 0;
    for (let i = 0; i < PADDED; i++) {
      this.buf[at + i] = (x & 0x7f) | (i < PADDED - 1 ? 0x80 : 0);
      x >>>= 7;
    }
  }

  /** A u32 LEB128 padded to PADDED bytes (a length patched once known); returns where it is. */
  padded(): number {
    const at = this.length;
    for (let i = 0; i < PADDED; i++) this.byte(0x80);
    return at;
  }

  byte(b: number): this {
    if (this.length === this.buf.length) this.grow(1);
    this.buf[this.length++] = b;
    return this;
  }

  /** Appends bytes in one copy (a function body is copied three times on its way into a module). */
  bytes(b: ArrayLike<number>): this {
    if (this.length + b.length > this.buf.length) this.grow(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }

  private grow(more: number): void {
    let size = this.buf.length * 2;
    while (size < this.length + more) size *= 2;
    const bigger = new Uint8Array(size);
    bigger.set(this.buf.subarray(0, this.length));
    this.buf = bigger;
  }

  u32(v: number): this {
    let x = v >>> 0;
    do {
      const b = x & 0x7f;
      x >>>= 7;
      this.byte(x !== 0 ? b | 0x80 : b);
    } while (x !== 0);
    return this;
  }

  s32(v: number): this {
    let x = v | 0;
    for (;;) {
      const b = x & 0x7f;
      x >>= 7;
      if ((x === 0 && (b & 0x40) === 0) || (x === -1 && (b & 0x40) !== 0)) return this.byte(b);
      this.byte(b | 0x80);
    }
  }

  s64(v: bigint): this {
    // Most constants (immediates, page offsets) fit in 32 bits: their LEB128 is the same as s32's,
    // without a BigInt shift per 7 bits.
    if (v >= -0x8000_0000n && v <= 0x7fff_ffffn) return this.s32(Number(v));
    return this.s64Words(Number(BigInt.asIntN(32, v)), Number(BigInt.asIntN(32, v >> 32n)));
  }

  /** The signed LEB128 of the 64-bit value hi:lo (two 32-bit words), without BigInt. */
  s64Words(lo: number, hi: number): this {
    let l = lo >>> 0;
    let h = hi | 0;
    for (;;) {
      const b = l & 0x7f;
      l = ((l >>> 7) | (h << 25)) >>> 0;
      h >>= 7;
      const done = (b & 0x40) === 0 ? l === 0 && h === 0 : l === 0xffff_ffff && h === -1;
      if (done) return this.byte(b);
      this.byte(b | 0x80);
    }
  }

  /** A name (the tier's names are ASCII). */
  name(s: string): this {
    this.u32(s.length);
    for (let i = 0; i < s.length; i++) this.byte(s.charCodeAt(i) & 0x7f);
    return this;
  }

  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

/**
 * Code buffers of bodies already written into a module, for the next bodies: a boot makes thousands of
 * blocks, and each new typed array is an off-heap allocation V8 frees only at a GC (decision 0014).
 */
const spareCode: Uint8Array[] = [];
const SPARE_CODE_MAX = 256;

/** A function body under construction: its extra locals and its code. */
export class FunctionBody {
  /** A translated block's code is 1-2 KiB (decision 0014), so it starts there instead of doubling from 256 bytes. */
  readonly code = new Bytes(2048, spareCode.pop());
  private readonly locals: ValType[] = [];

  constructor(readonly paramCount: number) {}

  /** Declares a local; returns its index (after the parameters). */
  local(type: ValType): number {
    this.locals.push(type);
    return this.paramCount + this.locals.length - 1;
  }

  op(...codes: number[]): this {
    for (const c of codes) this.code.byte(c);
    return this;
  }

  get(i: number): this { return this.op(Op.local_get).u(i); }
  set(i: number): this { return this.op(Op.local_set).u(i); }
  tee(i: number): this { return this.op(Op.local_tee).u(i); }
  i32(v: number): this { this.code.byte(Op.i32_const).s32(v); return this; }
  i64(v: bigint): this { this.code.byte(Op.i64_const).s64(v); return this; }
  /** i64.const of the value hi:lo given as two 32-bit words (no BigInt). */
  i64Words(lo: number, hi: number): this { this.code.byte(Op.i64_const).s64Words(lo, hi); return this; }
  /** A load or store with natural alignment `alignLog2` and a constant offset. */
  mem(op: number, alignLog2: number, offset: number): this { this.code.byte(op).u32(alignLog2).u32(offset); return this; }
  call(f: number): this { return this.op(Op.call).u(f); }
  /** Calls entry `h.slot` of table 0 with type `h.type` (a helper of core/jit/helper-table.ts). */
  callIndirect(h: { readonly type: number; readonly slot: number }): this { return this.i32(h.slot).op(Op.call_indirect).u(h.type).u(0); }
  u(v: number): this { this.code.u32(v); return this; }
  /** A v128 operation (SimdOp), followed by its immediate bytes (a lane index, shuffle lanes) if it has any. */
  simd(op: number, ...immediates: number[]): this {
    this.code.byte(0xfd).u32(op);
    for (const b of immediates) this.code.byte(b);
    return this;
  }
  /** An atomic operation (AtomicOp + atomicWidth) on an access of 2^alignLog2 bytes at a constant offset; the address must be aligned (wasm traps otherwise). */
  atomic(op: number, alignLog2: number, offset: number): this { this.code.byte(0xfe).u32(op).u32(alignLog2).u32(offset); return this; }
  /** v128.load or v128.store at a constant offset (alignment hint 16 bytes). */
  simdMem(op: number, offset: number): this { this.code.byte(0xfd).u32(op).u32(4).u32(offset); return this; }

  /**
   * Writes the body as a code section entry (its size, its locals in runs of one type, the code and the
   * final end) into `out`, then gives its code buffer to the next body: this body is done.
   */
  writeTo(out: Bytes): void {
    const size = out.padded();
    const start = out.length;
    let runs = 0;
    for (let i = 0; i < this.locals.length; i++) if (i === 0 || this.locals[i] !== this.locals[i - 1]) runs++;
    out.u32(runs);
    for (let i = 0; i < this.locals.length;) {
      let j = i + 1;
      while (j < this.locals.length && this.locals[j] === this.locals[i]) j++;
      out.u32(j - i).byte(this.locals[i]!);
      i = j;
    }
    out.bytes(this.code.view()).byte(Op.end);
    out.patchPadded(size, out.length - start);
    if (spareCode.length < SPARE_CODE_MAX) spareCode.push(this.code.buffer);
  }
}

interface FuncType { params: ValType[]; results: ValType[] }

/** A module: imported memory and functions, then defined functions, all exported by name. */
export class ModuleBuilder {
  private readonly types: FuncType[] = [];
  /** The types' keys (params > results), as typeIndex compares them. */
  private readonly typeKeys: string[] = [];
  private readonly imports: { module: string; name: string; type: number }[] = [];
  private readonly functions: { name: string; type: number; body: FunctionBody }[] = [];
  private table: number | undefined;
  private readonly globals: number[] = [];

  constructor(private readonly memoryPages: number) {}

  /** Imports env.table, a funcref table of at least `min` entries (call_indirect uses table 0). */
  importTable(min: number): void {
    this.table = min;
  }

  /** The index of a function type (declared on first use), for call_indirect. */
  typeIndex(params: ValType[], results: ValType[]): number {
    const want = `${params.join()}>${results.join()}`;
    const i = this.typeKeys.indexOf(want);
    if (i >= 0) return i;
    this.types.push({ params, results });
    this.typeKeys.push(want);
    return this.types.length - 1;
  }

  /** An imported function (all imports come before the first defined function). */
  importFunction(name: string, params: ValType[], results: ValType[]): number {
    if (this.functions.length > 0) throw new Error('imports must be declared before functions');
    this.imports.push({ module: 'env', name, type: this.typeIndex(params, results) });
    return this.imports.length - 1;
  }

  /** A mutable i32 global of this module, starting at `init`; returns its index. */
  addGlobal(init: number): number {
    this.globals.push(init | 0);
    return this.globals.length - 1;
  }

  addFunction(name: string, params: ValType[], results: ValType[], body: FunctionBody): number {
    this.functions.push({ name, type: this.typeIndex(params, results), body });
    return this.imports.length + this.functions.length - 1;
  }

  /**
   * The module's bytes, written once into one buffer (each section's size a padded LEB128 patched at its
   * end). The bodies are consumed: their code buffers go to the next module's bodies.
   */
  encode(): Uint8Array<ArrayBuffer> {
    let size = 1024 + 32 * (this.functions.length + this.imports.length) + 8 * this.globals.length;
    for (const f of this.functions) size += f.body.code.length + 64;
    const out = new Bytes(size).bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    let at = 0;
    const open = (id: number) => {
      out.byte(id);
      at = out.padded();
    };
    const close = () => out.patchPadded(at, out.length - at - PADDED);
    open(1);
    out.u32(this.types.length);
    for (const t of this.types) {
      out.byte(0x60).u32(t.params.length).bytes(t.params).u32(t.results.length).bytes(t.results);
    }
    close();
    open(2);
    out.u32(this.imports.length + 1 + (this.table !== undefined ? 1 : 0));
    out.name('env').name('memory').byte(0x02).byte(0x03).u32(this.memoryPages).u32(this.memoryPages);
    if (this.table !== undefined) out.name('env').name('table').byte(0x01).byte(0x70).byte(0x00).u32(this.table);
    for (const imp of this.imports) out.name(imp.module).name(imp.name).byte(0x00).u32(imp.type);
    close();
    open(3);
    out.u32(this.functions.length);
    for (const f of this.functions) out.u32(f.type);
    close();
    if (this.globals.length > 0) {
      open(6);
      out.u32(this.globals.length);
      for (const init of this.globals) out.byte(I32).byte(0x01).byte(Op.i32_const).s32(init).byte(Op.end);
      close();
    }
    open(7);
    out.u32(this.functions.length);
    this.functions.forEach((f, i) => out.name(f.name).byte(0x00).u32(this.imports.length + i));
    close();
    open(10);
    out.u32(this.functions.length);
    for (const f of this.functions) f.body.writeTo(out);
    close();
    return out.view() as Uint8Array<ArrayBuffer>;
  }
}

/** The WebAssembly.Memory whose buffer is `buffer`, where a host registered it (see registerWasmMemory). */
const memories = new WeakMap<ArrayBufferLike, WebAssembly.Memory>();

/**
 * Makes the machine's memory known to this thread's translation tier: CPUs whose state and RAM lie in
 * `memory.buffer` can then run translated code over it. Threads that hold only a SharedArrayBuffer
 * (tests, single-threaded runs) stay on the interpreter.
 */
export function registerWasmMemory(memory: WebAssembly.Memory): void {
  memories.set(memory.buffer, memory);
}

/** A new shared WebAssembly.Memory of at least `bytes`, registered (CPUs over it get a translation tier): its buffer. */
export function registeredWasmBuffer(bytes: number): SharedArrayBuffer {
  const pages = Math.ceil(bytes / 65536);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  registerWasmMemory(memory);
  return memory.buffer as unknown as SharedArrayBuffer;
}

export function wasmMemoryOf(buffer: ArrayBufferLike): WebAssembly.Memory | undefined {
  return memories.get(buffer);
}
