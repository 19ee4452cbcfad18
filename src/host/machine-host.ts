/**
 * Runs a loaded layout: allocates the shared machine, loads the images, starts one vCPU worker per
 * hart of the root zone, moves console bytes between the UART rings and listeners, and reports
 * faults and exits. Pause freezes guest time as well, as QEMU's virtual clock does.
 */
import { Worker } from 'node:worker_threads';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { MachineExit, MachineView, planMachine, ControlWord, type MachinePlan } from '../core/machine/machine';
import { HartStatus, HartWord, RunRequest } from '../core/machine/hart-header';
import { EM_RISCV, ImageError, isElf, loadElf, loadRaw, parseElf } from '../core/machine/elf';
import { boardDtb } from '../core/fdt/board-dtb';
import { wakeHart } from '../core/machine/signals';
import type { HartSnapshot, MachineState } from '../shared/protocol/machine';
import type { LoadedLayout } from './layout-loader';
import { newEpoch, threadClock } from './thread-clock';
import type { VcpuInit, VcpuMessage } from './vcpu-init';

export interface MachineFault {
  readonly zone: string;
  readonly hart: number;
  readonly message: string;
}

export interface MachineListener {
  output?(zone: string, bytes: Uint8Array): void;
  state?(state: MachineState): void;
  fault?(fault: MachineFault): void;
  exit?(kind: 'poweroff' | 'fail' | 'reset' | 'fault', code: number): void;
}

const STATUS_NAMES: HartSnapshot['status'][] = ['stopped', 'running', 'waiting', 'paused', 'faulted', 'exited'];

export function workerPath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, 'vcpu-worker.js'), path.resolve(here, '../../out/node/vcpu-worker.js')];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error('the vCPU worker is not built: run `node scripts/build-node.mjs`');
  return found;
}

export class MachineHost {
  readonly plan: MachinePlan;
  readonly view: MachineView;
  readonly harts: readonly number[];
  private readonly memory: WebAssembly.Memory;
  private readonly epoch = newEpoch();
  private workers: Worker[] = [];
  private pump: ReturnType<typeof setInterval> | undefined;
  private listeners = new Set<MachineListener>();
  private stateValue: MachineState = 'idle';
  private pausedAt = 0;
  private entry = 0;
  private dtbAddress = 0;
  private tohost: number | undefined;
  private exitReported = false;
  readonly faults: MachineFault[] = [];

  private constructor(
    readonly loaded: LoadedLayout,
    private readonly options: { slice: number },
  ) {
    const { board, layout } = loaded;
    this.plan = planMachine(board, layout.ramSize ?? board.ram.size);
    const pages = this.plan.layout.totalBytes / 65536;
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    const clock = threadClock(this.epoch, board.timebaseFrequency);
    this.view = new MachineView(this.plan, this.memory.buffer, clock, 0);
    this.harts = layout.root.cpus ?? board.rootZone.cpus;
    for (const h of this.harts) {
      if (!Number.isInteger(h) || h < 0 || h >= board.harts) {
        throw new ImageError(`${loaded.file}: root.cpus: hart ${h} does not exist on board ${board.name} (harts 0..${board.harts - 1})`);
      }
    }
  }

  static async create(loaded: LoadedLayout, options: { slice?: number } = {}): Promise<MachineHost> {
    const host = new MachineHost(loaded, { slice: options.slice ?? 200_000 });
    await host.loadImages();
    return host;
  }

  get state(): MachineState {
    return this.stateValue;
  }

  get zoneName(): string {
    return 'root';
  }

  on(listener: MachineListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async loadImages(): Promise<void> {
    const { layout, board, images, file } = this.loaded;
    const ram = this.view.bus.ram;
    const kernelBytes = new Uint8Array(await readFile(images.kernel));
    if (kernelBytes.length === 0) throw new ImageError(`${images.kernel}: the image is empty`);
    if (isElf(kernelBytes)) {
      const elf = parseElf(kernelBytes, images.kernel);
      if (elf.machine !== EM_RISCV) throw new ImageError(`${images.kernel}: ELF machine ${elf.machine} is not RISC-V (243)`);
      loadElf(elf, kernelBytes, ram, images.kernel);
      this.entry = layout.root.entry ?? elf.entry;
      this.tohost = elf.symbols.get('tohost');
    } else {
      const address = layout.root.loadAddress ?? board.rootZone.kernelAddress;
      loadRaw(kernelBytes, address, ram, images.kernel);
      this.entry = layout.root.entry ?? address;
    }
    if (!this.view.bus.isRam(this.entry, 4)) {
      throw new ImageError(`${file}: entry point 0x${this.entry.toString(16)} is not in RAM`);
    }
    let initrd: { start: number; end: number } | undefined;
    if (images.initrd) {
      const bytes = new Uint8Array(await readFile(images.initrd));
      const start = board.rootZone.dtbAddress - alignUp(bytes.length, 0x1000) - 0x10_0000;
      loadRaw(bytes, start, ram, images.initrd);
      initrd = { start, end: start + bytes.length };
    }
    const dtb = images.dtb
      ? new Uint8Array(await readFile(images.dtb))
      : boardDtb({
          board,
          harts: [...this.harts],
          memory: [{ base: ram.base, size: ram.size }],
          ...(layout.root.bootargs ? { bootargs: layout.root.bootargs } : {}),
          ...(initrd ? { initrd } : {}),
        });
    this.dtbAddress = board.rootZone.dtbAddress;
    if (!this.view.bus.isRam(this.dtbAddress, dtb.length)) this.dtbAddress = ram.base + ram.size - alignUp(dtb.length, 0x1000);
    loadRaw(dtb, this.dtbAddress, ram, images.dtb ?? 'generated device tree');
  }

  start(): void {
    if (this.workers.length > 0) return;
    const { layout, board } = this.loaded;
    const mode = layout.root.mode;
    const boot = Math.min(...this.harts);
    this.view.initialiseHsm(mode === 'supervisor' ? [boot] : [...this.harts]);
    for (const hart of this.harts) {
      const init: VcpuInit = {
        plan: this.plan,
        memory: this.memory.buffer as unknown as SharedArrayBuffer,
        hart,
        mode,
        zoneHarts: this.harts,
        startsRunning: mode === 'machine' || hart === boot,
        entry: this.entry.toString(),
        a1: this.dtbAddress.toString(),
        ...(this.tohost !== undefined ? { tohost: this.tohost } : {}),
        epoch: this.epoch,
        timebase: board.timebaseFrequency,
        slice: this.options.slice,
      };
      const worker = new Worker(workerPath(), { workerData: init });
      worker.on('message', (message: VcpuMessage) => this.onWorkerMessage(message));
      worker.on('error', (error) => this.reportFault(hart, `internal error in the vCPU worker: ${error.message}`));
      this.workers.push(worker);
    }
    this.pump = setInterval(() => this.pumpOnce(), 5);
    this.setState('running');
  }

  private onWorkerMessage(message: VcpuMessage): void {
    switch (message.type) {
      case 'fault': {
        const r = message.report;
        const where = message.region ? ` (nearest region: ${message.region})` : '';
        this.reportFault(message.hart, `${r.message}${where}`);
        break;
      }
      case 'error':
        this.reportFault(message.hart, `internal error: ${message.message}`);
        break;
      default:
        break;
    }
  }

  private reportFault(hart: number, message: string): void {
    const fault = { zone: this.zoneName, hart, message };
    this.faults.push(fault);
    for (const l of this.listeners) l.fault?.(fault);
    this.setState('faulted');
  }

  /** Moves console output to listeners and notices machine exits. */
  private pumpOnce(): void {
    this.view.pollDevices();
    const bytes = this.view.drainConsole();
    if (bytes.length > 0) for (const l of this.listeners) l.output?.(this.zoneName, bytes);
    const exit = this.view.exitState();
    if (exit.kind !== MachineExit.none && !this.exitReported) {
      this.exitReported = true;
      const kinds = { [MachineExit.poweroff]: 'poweroff', [MachineExit.fail]: 'fail', [MachineExit.reset]: 'reset', [MachineExit.fault]: 'fault' } as const;
      const kind = kinds[exit.kind as 1 | 2 | 3 | 4];
      for (const l of this.listeners) l.exit?.(kind, exit.code);
      this.setState(exit.kind === MachineExit.fault ? 'faulted' : 'exited');
    }
  }

  input(bytes: Uint8Array): void {
    this.view.consoleInput(bytes);
  }

  pause(): void {
    if (this.stateValue !== 'running') return;
    this.pausedAt = this.view.clock.now();
    this.requestAll(RunRequest.pause);
    this.setState('paused');
  }

  resume(): void {
    if (this.stateValue !== 'paused') return;
    const pausedFor = this.view.clock.now() - this.pausedAt;
    this.view.controlF64[ControlWord.pausedTicksF64]! += pausedFor;
    this.requestAll(RunRequest.run);
    this.setState('running');
  }

  private requestAll(request: number): void {
    for (const hart of this.harts) {
      const header = this.view.headers[hart]!;
      Atomics.store(header, HartWord.request, request);
      Atomics.notify(header, HartWord.request);
      wakeHart(header);
    }
  }

  hartSnapshots(): HartSnapshot[] {
    return this.harts.map((id) => {
      const header = this.view.headers[id]!;
      const retired = (Atomics.load(header, HartWord.retiredHi) >>> 0) * 0x1_0000_0000 + (Atomics.load(header, HartWord.retiredLo) >>> 0);
      const status = STATUS_NAMES[Atomics.load(header, HartWord.status)] ?? 'stopped';
      return { id, status: this.workers.length === 0 && status === 'stopped' ? 'stopped' : status, retired };
    });
  }

  retired(): number {
    return this.hartSnapshots().reduce((sum, h) => sum + h.retired, 0);
  }

  async stop(): Promise<void> {
    this.requestAll(RunRequest.stop);
    if (this.pump) clearInterval(this.pump);
    this.pump = undefined;
    this.pumpOnce();
    const workers = this.workers;
    this.workers = [];
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => void w.terminate().then(() => resolve()), 2000);
            w.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
          }),
      ),
    );
    if (this.stateValue === 'running' || this.stateValue === 'paused') this.setState('exited');
  }

  private setState(state: MachineState): void {
    if (this.stateValue === state) return;
    this.stateValue = state;
    for (const l of this.listeners) l.state?.(state);
  }

  /** True once every hart is waiting or stopped (used by tests to wait for an idle guest). */
  allIdle(): boolean {
    return this.harts.every((h) => {
      const s = Atomics.load(this.view.headers[h]!, HartWord.status);
      return s === HartStatus.waiting || s === HartStatus.stopped;
    });
  }
}

function alignUp(value: number, align: number): number {
  return Math.ceil(value / align) * align;
}
