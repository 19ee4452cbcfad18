/**
 * The bookkeeping every ISA's translation tier shares (riscv64, aarch64 and loongarch64 tier.ts): block
 * heads counted per (RAM page, translation mode), heads queued for translation and compiled in batches,
 * each batch one WebAssembly module whose blocks go into one function table (the dispatchers call them
 * through it), the owner of every table index so that a block that found its code changed can be
 * forgotten, and the flush when the table is full. What a block is, how it is emitted and how it is
 * entered stay with the ISA: its tier queues heads it has decoded and writes the module for a batch.
 */
import type { TierStats } from '../cpu/cpu-core';

/**
 * Per (RAM page, mode) tables: the block at each slot (0 none yet, -1 none, PENDING queued) and its heat
 * (16 bits: riscv64's HOT is above 255).
 */
export interface TierPage {
  readonly fns: Int32Array;
  readonly heat: Uint16Array;
}

/**
 * A class, not an object literal: V8 tracks where literals are allocated, and once these long-lived
 * tables were moved to the old generation it changed that site's decision and threw away the optimized
 * code that allocates them, which is the interpreter's loop (`page` is inlined into it): one more compile
 * of `execute` in every riscv64 boot.
 */
class PageTables implements TierPage {
  readonly fns: Int32Array;
  readonly heat: Uint16Array;
  constructor(slots: number) {
    this.fns = new Int32Array(slots);
    this.heat = new Uint16Array(slots);
  }
}

/** fns[k] of a head queued for the next batch. */
export const PENDING = -2;
/** fns[k] of a head whose batch is being compiled on another thread (BlockCache.compile). */
export const IN_FLIGHT = -3;

/**
 * Compiles modules on another thread while the CPU's thread goes on (a host service: host/wasm-compiler.ts).
 * `available` says whether that thread is up to take a module now (the first call may start it; until
 * it is up, modules compile on the CPU's thread, so that a hot loop does not wait for a thread to
 * start); `submit` hands over a module's bytes and returns a ticket (the buffer under them goes with
 * them: the caller must not use it again); `take` returns the modules compiled since its last call,
 * cheaply when there are none.
 */
export interface BackgroundCompiler {
  available(): boolean;
  submit(bytes: Uint8Array): number;
  /**
   * Whether that thread also writes modules (submitJob): it has the CPU model's module writer
   * (CpuModel.writeBlockModule) loaded. Until then, and on compilers without it, the tier writes here.
   */
  writesModules?(): boolean;
  /** Hands over a tier's job (plain data; the buffers in `transfer` go with it) to be written into a module and compiled there. */
  submitJob?(job: unknown, transfer: ArrayBuffer[]): number;
  /** The modules compiled since the last take(). */
  take(): CompiledModule[];
}

/**
 * A module as a BackgroundCompiler hands it back: one class for every compiler, so that the code reading
 * it (poll(), which V8 inlines into each interpreter's loop) meets one object shape. The warm-up's
 * replies (compilingHere) and the compiling thread's (structured clones of another shape) differed, and
 * the first real reply of a boot threw riscv64's optimized interpreter loop away ("wrong map", ~0.5 s
 * into a boot; decision 0014).
 */
export class CompiledModule {
  constructor(
    readonly ticket: number,
    /** Undefined when it did not compile. */
    readonly module: WebAssembly.Module | undefined,
    /** Why it did not compile ('' when it did). */
    readonly error: string,
    /** The module's bytes, where the compiling thread wrote it; -1 where the tier did. */
    readonly size: number,
  ) {}
}

let background: BackgroundCompiler | undefined;

/** Makes this thread's tiers compile through `compiler` (undefined: on this thread, as tests and deterministic runs do). */
export function useBackgroundCompiler(compiler: BackgroundCompiler | undefined): void {
  background = compiler;
}

/**
 * Runs `fn` with a compiler that compiles each module on this thread at once but hands it back at the
 * next take(), as the compiling thread would later: a warm-up takes the paths of a module in flight
 * without waiting for that thread.
 */
export function compilingHere<T>(fn: () => T): T {
  const saved = background;
  const done: ReturnType<BackgroundCompiler['take']> = [];
  let next = 1;
  background = {
    available: () => true,
    submit(bytes) {
      const ticket = next++;
      try {
        done.push(new CompiledModule(ticket, new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), '', -1));
      } catch (e) {
        done.push(new CompiledModule(ticket, undefined, e instanceof Error ? e.message : String(e), -1));
      }
      return ticket;
    },
    take: () => done.splice(0),
  };
  try {
    return fn();
  } finally {
    background = saved;
  }
}

/** A queued head that keeps running reaches this heat: its batch may be compiled as it is (decision 0011). */
export const VERY_HOT = 255;
/** Where a queued head that got very hot starts counting again when its batch was not compiled yet. */
export const VERY_HOT_AGAIN = 128;
/**
 * A batch that is not full is compiled when a head of it gets very hot and it holds at least this many
 * heads, or at the PARTIAL_STRIKES-th such event since the last module (decision 0014: each module costs
 * ~0.7 ms on its own; a lone hot loop waits at most ~4 x 127 more interpreted runs).
 */
const PARTIAL_MIN = 8;
const PARTIAL_STRIKES = 4;

/** A queued head: the page tables it belongs to and its slot; the ISA adds what it emits the block from. */
export interface QueuedBlock {
  readonly page: TierPage;
  readonly k: number;
}

const clock = (globalThis as { performance?: { now(): number } }).performance;
/** Milliseconds, for the compile-time figures. */
export const now = (): number => (clock ? clock.now() : Date.now());

export interface BlockCacheConfig {
  /** Block heads a page can have: instruction slots per 4 KiB (2048 halfwords, 1024 words). */
  readonly slots: number;
  /** Translation modes a page is counted in separately (the key is page * modes + mode). */
  readonly modes: number;
  /** Table entries for blocks; the cache is emptied when a batch would not fit. */
  readonly maxBlocks: number;
  /** Blocks per module. */
  readonly batch: number;
  /** Called when every translation is dropped: the ISA empties what points at blocks (its jump cache). */
  readonly onFlush: () => void;
  /**
   * One byte per table index, in the memory blocks run over: 1 while the block there is installed and not
   * dropped. A block that calls another directly (a chained exit) checks the callee's byte first.
   */
  readonly live?: Uint8Array;
}

export class BlockCache<Q extends QueuedBlock> {
  /** The blocks, by index (0 is never a block): what the dispatcher and chained code call. */
  readonly table: WebAssembly.Table;
  /** Blocks compiled together in one module (tests lower it). */
  batch: number;
  /** Figures: blocks translated, modules compiled, translation time (ms), stale-code exits, flushes, wasm bytes. */
  readonly stats: { -readonly [K in keyof TierStats]: TierStats[K] } = { blocks: 0, modules: 0, compileMs: 0, stale: 0, flushes: 0, codeBytes: 0 };
  private readonly pages = new Map<number, TierPage>();
  private owners: (Q | undefined)[] = [];
  private nextIndex = 1;
  private pending: Q[] = [];
  /** The first table index of each batch taken (reserved by take(), used by install()). */
  private readonly firstIndexOf = new WeakMap<readonly Q[], number>();
  /** Batches whose module another thread compiles, by ticket, with what installing them needs. */
  private readonly inFlight = new Map<number, { batch: Q[]; imports: Record<string, unknown>; codeBytes: number; flushes: number }>();

  constructor(private readonly config: BlockCacheConfig) {
    this.table = new WebAssembly.Table({ element: 'anyfunc', initial: config.maxBlocks + 1 });
    this.batch = config.batch;
  }

  /** The tables of the RAM page at span offset `host` in `mode`. */
  page(host: number, mode: number): TierPage {
    const key = (host >>> 12) * this.config.modes + mode;
    let p = this.pages.get(key);
    if (p === undefined) {
      p = new PageTables(this.config.slots);
      this.pages.set(key, p);
    }
    return p;
  }

  /** Whether heads are waiting for a module. */
  get queued(): number {
    return this.pending.length;
  }

  private strikes = 0;

  /**
   * A queued head reached VERY_HOT: whether its batch is worth compiling as it is now (PARTIAL_MIN heads,
   * or the PARTIAL_STRIKES-th time); if not, the caller sets the head's heat to VERY_HOT_AGAIN.
   */
  veryHot(): boolean {
    return this.pending.length >= PARTIAL_MIN || ++this.strikes >= PARTIAL_STRIKES;
  }

  /** Queues a decoded head; true when the batch is full and should be compiled now. */
  queue(block: Q): boolean {
    block.page.fns[block.k] = PENDING;
    this.pending.push(block);
    return this.pending.length >= this.batch;
  }

  /**
   * The queued heads for one module and the table index its first block will get (the rest follow in
   * order), or undefined when nothing is queued or the table was full (everything was dropped, the
   * heads are run by the interpreter and counted again).
   */
  take(): { batch: Q[]; firstIndex: number } | undefined {
    if (this.pending.length === 0) return undefined;
    this.strikes = 0;
    const batch = this.pending;
    this.pending = [];
    if (this.nextIndex + batch.length > this.config.maxBlocks) {
      this.flush();
      return undefined;
    }
    const firstIndex = this.nextIndex;
    this.nextIndex += batch.length;
    this.firstIndexOf.set(batch, firstIndex);
    return { batch, firstIndex };
  }

  /**
   * Compiles a taken batch's module and installs its blocks: on this thread, or, with a background
   * compiler and `mayWait`, on another, its heads IN_FLIGHT (run by the interpreter) until poll() finds
   * the module compiled. `started` is when its emitting began (now()).
   */
  compile(batch: Q[], bytes: Uint8Array, imports: Record<string, unknown>, started: number, mayWait: boolean): void {
    if (!background || !mayWait || !background.available()) {
      const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), imports as never).exports;
      this.install(batch, exports, bytes.length, started);
      return;
    }
    const codeBytes = bytes.length;
    this.sent(batch, background.submit(bytes), imports, codeBytes, started);
  }

  /** A batch handed to the compiling thread as `ticket`: its heads wait IN_FLIGHT until poll() installs it. */
  private sent(batch: Q[], ticket: number, imports: Record<string, unknown>, codeBytes: number, started: number): void {
    for (const b of batch) b.page.fns[b.k] = IN_FLIGHT;
    this.inFlight.set(ticket, { batch, imports, codeBytes, flushes: this.stats.flushes });
    this.stats.compileMs += now() - started;
  }

  /**
   * compile() for a module the compiling thread writes itself from `job` (BackgroundCompiler.submitJob)
   * where it can: its writing is then off this thread too. Else `write(job)` here and compile() that.
   */
  compileJob<J>(batch: Q[], job: J, transfer: ArrayBuffer[], write: (job: J) => Uint8Array, imports: Record<string, unknown>, started: number): void {
    if (!background?.submitJob || !background.writesModules?.()) {
      this.compile(batch, write(job), imports, started, true);
      return;
    }
    this.sent(batch, background.submitJob(job, transfer), imports, 0, started);
  }

  /** Whether modules are being compiled on another thread. */
  get waiting(): boolean {
    return this.inFlight.size > 0;
  }

  /** Installs the batches whose modules came back since the last call; true if any did. */
  poll(): boolean {
    if (this.inFlight.size === 0 || !background) return false;
    let any = false;
    for (const { ticket, module, error, size } of background.take()) {
      const f = this.inFlight.get(ticket);
      if (!f) continue;
      this.inFlight.delete(ticket);
      if (error !== '') throw new Error(`translation tier: a block module did not compile: ${error}`);
      // The cache was emptied meanwhile: its table indices and heads are gone.
      if (f.flushes !== this.stats.flushes) continue;
      const t0 = now();
      const exports = new WebAssembly.Instance(module!, f.imports as never).exports;
      this.install(f.batch, exports, size >= 0 ? size : f.codeBytes, t0);
      any = true;
    }
    return any;
  }

  /** Installs a compiled batch: block i is export `b${i}`; `started` is when its compile began (now()). */
  install(batch: readonly Q[], exports: Record<string, unknown>, codeBytes: number, started: number): void {
    let first = this.firstIndexOf.get(batch);
    if (first === undefined) {
      first = this.nextIndex;
      this.nextIndex += batch.length;
    }
    for (let i = 0; i < batch.length; i++) {
      const b = batch[i]!;
      const index = first + i;
      this.table.set(index, exports[`b${i}`] as never);
      this.owners[index] = b;
      if (this.config.live) this.config.live[index] = 1;
      b.page.fns[b.k] = index;
    }
    this.stats.blocks += batch.length;
    this.stats.modules++;
    this.stats.codeBytes += codeBytes;
    this.stats.compileMs += now() - started;
  }

  /** A block found its code changed: its head goes back to the interpreter (and may be translated again). */
  drop(index: number): void {
    if (this.config.live) this.config.live[index] = 0;
    const owner = this.owners[index];
    if (owner && owner.page.fns[owner.k] === index) {
      owner.page.fns[owner.k] = 0;
      owner.page.heat[owner.k] = 0;
    }
    this.stats.stale++;
  }

  /** Drops every translation (the table is full). */
  flush(): void {
    this.pages.clear();
    this.owners = [];
    this.config.live?.fill(0);
    this.nextIndex = 1;
    this.pending = [];
    this.stats.flushes++;
    this.config.onFlush();
  }
}
