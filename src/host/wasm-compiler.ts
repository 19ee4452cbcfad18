/**
 * Compiles a vCPU's translated-block modules on a thread of their own (core/jit/block-cache.ts,
 * BackgroundCompiler), so that V8's work on them (decoding, validating, Liftoff) runs on another core
 * while the vCPU goes on interpreting those heads. Where the thread can load the emulator (spawned from
 * the vCPU thread's own entry file, vcpu-worker.ts), it also writes the modules from the tier's jobs
 * with the CPU model's writer (CpuModel.writeBlockModule): ~55 us of a riscv64 CPU's thread per block
 * otherwise (decision 0014). The compiling thread turns off V8's lazy compilation (a process-wide
 * flag), so a module comes back with every function compiled instead of each compiling on its first
 * call on the vCPU's thread. Modules go back through a MessagePort the vCPU reads without its event
 * loop (receiveMessageOnPort), after a shared counter says one is there.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { setFlagsFromString } from 'node:v8';
import { CompiledModule, type BackgroundCompiler } from '../core/jit/block-cache';
import type { CpuModel } from '../core/cpu-models';
import type { BoardArch } from '../shared/model/board';

/** The compiling thread's workerData when it runs from the vCPU entry (vcpu-worker.ts). */
export interface CompilerWorkerData {
  readonly port: MessagePort;
  /** [0]: modules compiled so far; [1]: 1 once the thread compiles bytes, 2 once it also writes modules. */
  readonly done: Int32Array;
  readonly arch: BoardArch;
}

type Request = { ticket: number; bytes: Uint8Array } | { ticket: number; job: unknown };
type Reply = { ticket: number; module?: WebAssembly.Module; error?: string; size?: number };

const READY = 1;
const WRITES = 2;

/**
 * The compiling thread's loop (run by vcpu-worker.ts): compiles bytes at once, and jobs once `loadModel`
 * has given the CPU model (loading the emulator takes ~0.1-0.2 s) and its writer is warmed up.
 */
export function serveCompiler(data: CompilerWorkerData, loadModel: (arch: BoardArch) => Promise<Pick<CpuModel, 'writeBlockModule' | 'warmUpWriter'>>): void {
  setFlagsFromString('--no-wasm-lazy-compilation');
  const { port, done } = data;
  let write: ((job: unknown) => Uint8Array) | undefined;
  port.on('message', (request: Request) => {
    let reply: Reply;
    try {
      const bytes = 'bytes' in request ? request.bytes : write!(request.job);
      reply = { ticket: request.ticket, module: new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), size: bytes.length };
    } catch (e) {
      reply = { ticket: request.ticket, error: e instanceof Error ? e.message : String(e) };
    }
    port.postMessage(reply);
    Atomics.add(done, 0, 1);
  });
  Atomics.store(done, 1, READY);
  // A model without a writer, or one that fails to load or warm up, leaves the thread compiling bytes.
  loadModel(data.arch).then((model) => {
    if (!model.writeBlockModule) return;
    model.warmUpWriter?.();
    write = model.writeBlockModule;
    Atomics.store(done, 1, WRITES);
  }).catch(() => {});
}

// CommonJS, run with `eval`, where the thread has no entry file to load the emulator from: bytes only.
const COMPILER_SOURCE = `
const { workerData } = require('node:worker_threads');
require('node:v8').setFlagsFromString('--no-wasm-lazy-compilation');
const { port, done } = workerData;
Atomics.store(done, 1, 1);
port.on('message', ({ ticket, bytes }) => {
  let reply;
  try {
    reply = { ticket, module: new WebAssembly.Module(bytes) };
  } catch (e) {
    reply = { ticket, error: String(e && e.message || e) };
  }
  port.postMessage(reply);
  Atomics.add(done, 0, 1);
});
`;

export class WasmCompilerThread implements BackgroundCompiler {
  private port: MessagePort | undefined;
  /** [0]: modules compiled so far; [1]: READY once the thread is up, WRITES once it writes modules. */
  private readonly done = new Int32Array(new SharedArrayBuffer(8));
  private seen = 0;
  private next = 1;
  private worker: Worker | undefined;

  /**
   * `writer`: the vCPU thread's entry file and the CPU's architecture, for a thread that also writes
   * modules (serveCompiler); without it the thread compiles bytes only.
   */
  constructor(private readonly writer?: { readonly entry: URL; readonly arch: BoardArch }) {}

  /**
   * Starts the thread: early, or when first asked for (a CPU that never runs translated code then never
   * starts one).
   */
  start(): MessagePort {
    if (this.port) return this.port;
    const { port1, port2 } = new MessageChannel();
    const writer = this.writer;
    this.worker = writer
      ? new Worker(writer.entry, { workerData: { compiler: { port: port2, done: this.done, arch: writer.arch } satisfies CompilerWorkerData }, transferList: [port2] })
      : new Worker(COMPILER_SOURCE, { eval: true, workerData: { port: port2, done: this.done }, transferList: [port2] });
    // Neither keeps the vCPU's thread alive: it ends when its CPU does.
    this.worker.unref();
    port1.unref();
    this.port = port1;
    return port1;
  }

  /** Ends the thread (a compiler started early that its CPU does not use). */
  stop(): void {
    void this.worker?.terminate();
  }

  available(): boolean {
    if (!this.port) this.start();
    return Atomics.load(this.done, 1) >= READY;
  }

  writesModules(): boolean {
    if (!this.port) this.start();
    return Atomics.load(this.done, 1) === WRITES;
  }

  submitJob(job: unknown, transfer: ArrayBuffer[]): number {
    const ticket = this.next++;
    (this.port ?? this.start()).postMessage({ ticket, job }, transfer);
    return ticket;
  }

  submit(bytes: Uint8Array): number {
    const ticket = this.next++;
    // Handed over, not copied (a boot's 5-11 MiB of modules; the copies cost the CPU's thread ~850 page
    // faults): the caller gives up the buffer (BackgroundCompiler.submit).
    const owned = bytes.buffer instanceof ArrayBuffer;
    (this.port ?? this.start()).postMessage({ ticket, bytes }, owned ? [bytes.buffer] : []);
    return ticket;
  }

  take(): CompiledModule[] {
    const done = Atomics.load(this.done, 0);
    if (done === this.seen || !this.port) return [];
    const out: CompiledModule[] = [];
    for (;;) {
      const m = receiveMessageOnPort(this.port);
      if (!m) break;
      const r = m.message as Reply;
      out.push(new CompiledModule(r.ticket, r.module, r.error ?? (r.module ? '' : 'no module came back'), r.size ?? -1));
      this.seen++;
    }
    return out;
  }

}
