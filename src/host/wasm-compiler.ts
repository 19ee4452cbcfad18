/**
 * Compiles a vCPU's translated-block modules on a thread of their own (core/jit/block-cache.ts,
 * BackgroundCompiler), so that V8's work on them (decoding, validating, Liftoff) runs on another core
 * while the vCPU goes on interpreting those heads. The compiling thread turns off V8's lazy compilation
 * (a process-wide flag), so a module comes back with every function compiled instead of each compiling
 * on its first call on the vCPU's thread. Modules go back through a MessagePort the vCPU reads without
 * its event loop (receiveMessageOnPort), after a shared counter says one is there. Decision 0014.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { BackgroundCompiler } from '../core/jit/block-cache';

// CommonJS, run with `eval`: the build has no file for it.
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
  /** [0]: modules compiled so far; [1]: 1 once the thread is up. */
  private readonly done = new Int32Array(new SharedArrayBuffer(8));
  private seen = 0;
  private next = 1;
  private worker: Worker | undefined;

  /** The thread starts when first asked for (a CPU that never runs translated code never starts one). */
  private start(): MessagePort {
    const { port1, port2 } = new MessageChannel();
    this.worker = new Worker(COMPILER_SOURCE, { eval: true, workerData: { port: port2, done: this.done }, transferList: [port2] });
    // Neither keeps the vCPU's thread alive: it ends when its CPU does.
    this.worker.unref();
    port1.unref();
    this.port = port1;
    return port1;
  }

  available(): boolean {
    if (!this.port) this.start();
    return Atomics.load(this.done, 1) === 1;
  }

  submit(bytes: Uint8Array): number {
    const ticket = this.next++;
    // Handed over, not copied (a boot's 5-11 MiB of modules; the copies cost the CPU's thread ~850 page
    // faults): the caller gives up the buffer (BackgroundCompiler.submit).
    const owned = bytes.buffer instanceof ArrayBuffer;
    (this.port ?? this.start()).postMessage({ ticket, bytes }, owned ? [bytes.buffer] : []);
    return ticket;
  }

  take(): { ticket: number; module?: WebAssembly.Module; error?: string }[] {
    const done = Atomics.load(this.done, 0);
    if (done === this.seen || !this.port) return [];
    const out: { ticket: number; module?: WebAssembly.Module; error?: string }[] = [];
    for (;;) {
      const m = receiveMessageOnPort(this.port);
      if (!m) break;
      out.push(m.message as { ticket: number; module?: WebAssembly.Module; error?: string });
      this.seen++;
    }
    return out;
  }

}
