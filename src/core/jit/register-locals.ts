/**
 * Guest integer registers held in WebAssembly locals while a block runs, for ISAs with 32 64-bit
 * registers and a register 0 that reads as zero (RV64's x0, LoongArch's r0): a register is loaded from
 * the CPU's register file on first use, kept in its local after that, and written back where the
 * emitter says (before a slow path, a helper call or an exit) if the block changed it.
 */
import { type FunctionBody, I64, Op as W } from './wasm-module';

export class RegisterLocals {
  private readonly locals = new Array<number>(32).fill(-1);
  private readonly cached = new Array<boolean>(32).fill(false);
  private readonly dirty = new Array<boolean>(32).fill(false);
  /**
   * Code some paths jump over (a forward branch inside the block): a register not yet in its local is
   * read from memory and written to memory there, so the locals valid after it are the same on every path.
   */
  conditional = false;

  /** `base`: the byte address of register 0 in memory (8 bytes a register). */
  constructor(private readonly f: FunctionBody, private readonly base: number) {}

  /** The memory address of register r. */
  addr(r: number): number {
    return this.base + 8 * r;
  }

  /** Register r's local (declared on first use). */
  localOf(r: number): number {
    if (this.locals[r]! < 0) this.locals[r] = this.f.local(I64);
    return this.locals[r]!;
  }

  /** Pushes register r (i64). Only called outside conditional code, so a first load caches on every path. */
  push(r: number): void {
    const f = this.f;
    if (r === 0) f.i64(0n);
    else if (this.cached[r]) f.get(this.locals[r]!);
    else if (this.conditional) f.i32(0).mem(W.i64_load, 3, this.addr(r));
    else {
      f.i32(0).mem(W.i64_load, 3, this.addr(r)).tee(this.localOf(r));
      this.cached[r] = true;
    }
  }

  /** Sets register r from the i64 on the stack (dropped for register 0). */
  set(r: number): void {
    if (r === 0) {
      this.f.op(W.drop);
      return;
    }
    this.f.set(this.localOf(r));
    this.written(r);
  }

  /**
   * Register r's local now holds its new value on every path (the emitter set it itself). In code some
   * paths jump over, a register not yet in its local goes to memory from there instead.
   */
  written(r: number): void {
    if (this.conditional && !this.cached[r]) {
      this.f.i32(0).get(this.locals[r]!).mem(W.i64_store, 3, this.addr(r));
      return;
    }
    this.cached[r] = true;
    this.dirty[r] = true;
  }

  /** Writes every changed register back to memory, on this path only. */
  storeDirty(): void {
    for (let r = 1; r < 32; r++) {
      if (this.dirty[r]) this.f.i32(0).get(this.locals[r]!).mem(W.i64_store, 3, this.addr(r));
    }
  }

  /** Everything is in memory (written back before code that reads the register file): nothing to write later. */
  clean(): void {
    this.dirty.fill(false);
  }

  /** Code outside the block may have changed any register: each is loaded again on its next use. */
  forget(): void {
    this.cached.fill(false);
  }
}
