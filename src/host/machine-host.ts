/**
 * Runs a loaded layout: allocates the shared machine, loads the images, starts one vCPU worker per
 * physical hart, moves console bytes between the rings and listeners, and reports faults, exits and
 * zone changes. In supervisor layouts it plays zone0's management role too: it starts the root zone
 * from the board data and the layout's zones from their hvisor JSON files, as hvisor-tool would.
 * Pause freezes guest time as well, as QEMU's virtual clock does.
 */
import type { TierStats } from '../core/cpu/cpu-core';
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { tuneWasmTiering } from './wasm-tiering';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { MachineExit, MachineView, planMachine, ControlWord, type MachinePlan } from '../core/machine/machine';
import { HartStatus, HartWord, RunRequest } from '../core/cpu/hart-header';
import { ImageError, loadElf, loadRaw, parseElf, rawDestination } from '../core/machine/elf';
import { wakeHart } from '../core/machine/signals';
import { archOfElfMachine, archOfLinuxImage, cpuModel } from '../core/cpu-models';
import { prepareVcpu } from '../core/vcpu-factories';
import { ZoneRuntime } from '../core/hypervisor/zone-runtime';
import { ZoneState } from '../core/hypervisor/zone-table';
import type { ZoneInfo, ZoneResult } from '../core/hypervisor/hypervisor';
import type { HartSnapshot, MachineState } from '../shared/protocol/machine';
import type { ZoneConfig } from '../shared/model/zone-config';
import { HostFileError, type LoadedLayout } from './layout-loader';
import { isElfFile, MAX_IMAGE_BYTES, readImageFile } from './image-file';
import { readVirtioConfig, VirtioService } from './virtio-service';
import { ramProfileExists, ramProfilePath, translationProfilePath } from './ram-profile';
import { FileBlockBackend } from './virtio/file-block-backend';
import { OverlayBlockBackend } from './virtio/overlay-block-backend';
import { withPciFunctions } from '../core/devices/pci/pci-host-board';
import { pciFunctionType } from '../core/devices/pci/pci-function-types';
import type { VirtioConfigFile } from '../shared/model/virtio-config';
import { buildRootDtb, rngSeed, rootInitrdStart } from './root-dtb';
import { alignUp } from '../core/machine/shared-layout';
import { newEpoch, threadClock } from './thread-clock';
import type { VcpuInit, VcpuMessage, VcpuStart, VcpuWorkerData } from './vcpu-init';
import type { ZoneCheckOptions } from '../shared/validate/zone-checks';
import { checkUserDtb, crossCheck, errorsOf, loadZoneImages, readZoneFile, rootZoneForLayout, zoneConfigBytes, type ZoneFile } from './zone-loader';
import { formatZoneReport } from '../shared/validate/zone-checks';
import { encodeZoneConfig } from '../core/hypervisor/zone-config-binary';
import { DeterministicHost, type DeterministicOptions, type DeterministicStatus } from './deterministic-host';
import { applySnapshot, checkAgainst, readCheckedSnapshot, saveMachine, type SnapshotFigures, type SnapshotPort } from './snapshot/machine-snapshot';
import { SnapshotError } from './snapshot/snapshot-file';

export interface MachineFault {
  readonly zone: number;
  readonly zoneName: string;
  readonly hart: number;
  readonly message: string;
}

export interface ZoneStatus {
  readonly id: number;
  readonly name: string;
  readonly state: 'running' | 'error' | 'stopped';
  readonly cpus: readonly number[];
  readonly error?: string;
}

export interface MachineListener {
  output?(zone: number, zoneName: string, bytes: Uint8Array): void;
  state?(state: MachineState): void;
  fault?(fault: MachineFault): void;
  exit?(kind: 'poweroff' | 'fail' | 'reset' | 'fault', code: number): void;
  zones?(zones: readonly ZoneStatus[]): void;
  log?(line: string): void;
}

const STATUS_NAMES: HartSnapshot['status'][] = ['stopped', 'running', 'waiting', 'paused', 'faulted', 'exited'];

export function workerPath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // Built: beside this module, or one folder up when it landed in a shared chunk; from the sources (tests): the build's.
  const candidates = [path.join(here, 'vcpu-worker.js'), path.join(here, '../vcpu-worker.js'), path.resolve(here, '../../out/node/vcpu-worker.js')];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error('the vCPU worker is not built: run `node scripts/build-node.mjs`');
  return found;
}

export class MachineHost {
  readonly plan: MachinePlan;
  readonly view: MachineView;
  readonly runtime: ZoneRuntime | undefined;
  /** Machine mode: the harts that run the firmware. Supervisor mode: the root zone's harts. */
  readonly harts: readonly number[];
  readonly rootConfig: ZoneConfig | undefined;
  private readonly memory: WebAssembly.Memory;
  private readonly epoch = newEpoch();
  private workers: Worker[] = [];
  /** Threads spawned before the images were read (create's startSoon), by CPU: start() gives them their setup. */
  private readonly early = new Map<number, Worker>();
  /**
   * Parked CPUs of a machine under the hypervisor (in no zone when it starts): each gets its thread when
   * something first asks it to run (spawnNeeded). Each thread costs ~0.2 s of a core to load the
   * emulator; three of them took that from a booting CPU's first second on a 2-core host.
   */
  private parked: { hart: number; init: VcpuInit }[] = [];
  private pump: ReturnType<typeof setInterval> | undefined;
  private listeners = new Set<MachineListener>();
  private stateValue: MachineState = 'idle';
  private pausedAt = 0;
  private entry = 0;
  private dtbAddress = 0;
  private tohost: number | undefined;
  private fromhost: number | undefined;
  private exitReported = false;
  private tableVersion = -1;
  private virtioTableVersion = -1;
  private readonly reportedErrors = new Set<string>();
  private readonly zoneNames = new Map<number, string>();
  private zoneFiles: ZoneFile[] = [];
  private readonly virtio: VirtioService | undefined;
  private virtioConfig: VirtioConfigFile | undefined;
  readonly faults: MachineFault[] = [];
  /** Deterministic mode's scheduler and recorder (decision 0025); undefined in the normal mode. */
  readonly deterministic: DeterministicHost | undefined;

  private constructor(
    readonly loaded: LoadedLayout,
    private readonly options: { slice: number; deterministic?: DeterministicHost },
  ) {
    this.deterministic = options.deterministic;
    const { board, layout } = loaded;
    // The layout's PCI functions are part of the machine: their configuration spaces are board state.
    this.plan = planMachine(withPciFunctions(board, layout.pci ?? []), layout.ramSize ?? board.ram.size);
    const pages = this.plan.layout.totalBytes / 65536;
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    const clock = this.deterministic?.mainClock ?? threadClock(this.epoch, board.timebaseFrequency);
    const zoned = layout.root.mode === 'supervisor';
    this.view = new MachineView(
      this.plan,
      this.memory.buffer,
      clock,
      0,
      // The same signal wiring as the vCPU threads (RISC-V routes external interrupts through the hypervisor).
      prepareVcpu(board.arch, zoned).wrapSignals,
    );
    this.harts = layout.root.cpus ?? board.rootZone.cpus;
    for (const h of this.harts) {
      if (!Number.isInteger(h) || h < 0 || h >= board.harts) {
        throw new ImageError(`${loaded.file}: root.cpus: hart ${h} does not exist on board ${board.name} (harts 0..${board.harts - 1})`);
      }
    }
    if (zoned) {
      this.runtime = new ZoneRuntime(this.view, { strict: layout.strict, shutdownWaitMs: 2000, workbenchSbiExtensions: layout.workbenchSbiExtensions, workbenchPsciExtensions: layout.workbenchPsciExtensions, workbenchIvc: layout.workbenchIvc, ...(options.deterministic ? { cpusBetweenTurns: true } : {}) }, (line) => this.log(line));
      this.rootConfig = clipToRam(rootZoneForLayout(board, { ...layout.root, cpus: this.harts }), this.plan.banks);
      this.zoneNames.set(0, this.rootConfig.name);
      this.virtio = new VirtioService(this.view, this.runtime, {
        output: (zone, bytes) => this.emitOutput(zone, bytes),
        log: (line) => this.log(line),
        deviceError: (zone, message) => this.log(`zone ${zone}: ${message}`),
      });
    }
  }

  /** `deterministic`: run in deterministic mode (also when the layout says so), recording or replaying. */
  /** `restoring`: RAM comes from a snapshot, so no image or device tree is loaded (its pages stay untouched). */
  /**
   * `startSoon`: start() follows at once (the CLI's run and benchmarks): the threads of the CPUs that run
   * first are spawned now and load the emulator while the images are read (decision 0014).
   */
  static async create(loaded: LoadedLayout, options: { slice?: number; deterministic?: DeterministicOptions; restoring?: boolean; startSoon?: boolean } = {}): Promise<MachineHost> {
    // A restored machine starts without the first management turn (start() returns early), so its CPUs would wait for the baton forever.
    if (options.restoring && (options.deterministic || loaded.layout.deterministic)) throw new HostFileError(`${loaded.file}: a snapshot is not restored in deterministic mode yet (decision 0025); remove "deterministic" or boot the layout`);
    const deterministic = options.deterministic || loaded.layout.deterministic ? await DeterministicHost.prepare(loaded, options.deterministic ?? {}) : undefined;
    const host = new MachineHost(loaded, { slice: options.slice ?? 200_000, ...(deterministic ? { deterministic } : {}) });
    if (options.startSoon && !deterministic && !options.restoring) host.spawnEarly();
    try {
      if (!options.restoring) await host.loadImages();
      await host.readLayoutZones(options.restoring);
    } catch (error) {
      host.cancelEarly();
      throw error;
    }
    return host;
  }

  /** The threads of the CPUs the machine starts running (machine mode's, the root zone's), loading the emulator until start(). */
  private spawnEarly(): void {
    for (const hart of this.harts) {
      const worker = this.spawnWorker(hart, { early: true, arch: this.plan.board.arch });
      // Until start() it must not keep the process alive (a host that is never started).
      worker.unref();
      this.early.set(hart, worker);
    }
  }

  private cancelEarly(): void {
    for (const worker of this.early.values()) {
      worker.postMessage({ type: 'cancel' } satisfies VcpuStart);
      void worker.terminate();
    }
    this.early.clear();
  }

  private spawnWorker(hart: number, data: VcpuWorkerData): Worker {
    const worker = new Worker(workerPath(), { workerData: data });
    worker.on('message', (message: VcpuMessage) => this.onWorkerMessage(message));
    worker.on('error', (error) => this.reportFault(-1, hart, `internal error in the vCPU worker: ${error.message}`));
    return worker;
  }

  get state(): MachineState {
    return this.stateValue;
  }

  get zoned(): boolean {
    return this.runtime !== undefined;
  }

  on(listener: MachineListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private log(line: string): void {
    for (const l of this.listeners) l.log?.(line);
  }

  private async loadImages(): Promise<void> {
    const { layout, board, images, file } = this.loaded;
    const ram = this.view.bus.ram;
    // An ELF's symbols and debug sections need not fit RAM (its segments are checked as they load); raw images must.
    const elfKernel = await isElfFile(images.kernel);
    const kernelAddress = layout.root.loadAddress ?? board.rootZone.kernelAddress;
    // A raw image is read straight to its load address; an ELF's segments are placed after parsing.
    const kernelBytes = await readImageFile(images.kernel, `${file}: root.image`, elfKernel ? MAX_IMAGE_BYTES : ram.size, elfKernel ? undefined : (size) => rawDestination(this.view.bus, kernelAddress, size, images.kernel));
    if (elfKernel) {
      const elf = parseElf(kernelBytes, images.kernel);
      const cpu = cpuModel(board.arch);
      if (elf.machine !== cpu.elfMachine) {
        const theirs = archOfElfMachine(elf.machine);
        throw new ImageError(
          `${images.kernel}: ELF machine ${elf.machine}${theirs ? ` (${theirs.elfMachineName}, ${theirs.arch})` : ''} does not run on board ${board.name}, ` +
            `which is ${board.arch} (ELF machine ${cpu.elfMachine}, ${cpu.elfMachineName})`,
        );
      }
      loadElf(elf, kernelBytes, this.view.bus, images.kernel);
      this.entry = layout.root.entry ?? elf.entry;
      this.tohost = elf.symbols.get('tohost');
      this.fromhost = elf.symbols.get('fromhost');
    } else {
      const built = archOfLinuxImage(kernelBytes);
      if (built && built.arch !== board.arch) {
        throw new ImageError(`${images.kernel}: a Linux Image for ${built.arch} does not run on board ${board.name}, which is ${board.arch}`);
      }
      // An architecture whose kernel is not entered at its first byte places its firmware handoff.
      const boot = built?.linuxBoot?.(kernelBytes, kernelAddress);
      if (boot) loadRaw(boot.firmware.bytes, boot.firmware.address, this.view.bus, `${images.kernel} (firmware handoff)`);
      this.entry = layout.root.entry ?? boot?.entry ?? kernelAddress;
    }
    if (!this.view.bus.isRam(this.entry, 4)) {
      throw new ImageError(`${file}: entry point 0x${this.entry.toString(16)} is not in RAM`);
    }
    let initrd: { start: number; end: number } | undefined;
    const initrdFile = images.initrd;
    if (initrdFile) {
      let start = 0;
      const bytes = await readImageFile(initrdFile, `${file}: root.initrd`, ram.size, (size) => {
        start = rootInitrdStart(board, size, { base: ram.base, size: ram.size });
        return rawDestination(this.view.bus, start, size, initrdFile);
      });
      initrd = { start, end: start + bytes.length };
    }
    this.dtbAddress = board.rootZone.dtbAddress;
    const dtb = images.dtb ? await readImageFile(images.dtb, `${file}: root.dtb`, ram.size) : undefined;
    this.pendingDtb = { ...(dtb ? { bytes: dtb } : {}), ...(initrd ? { initrd } : {}) };
  }

  private pendingDtb: { bytes?: Uint8Array; initrd?: { start: number; end: number } } = {};

  /** Reads the layout's zone files and checks them with the root zone before anything runs. */
  private async readLayoutZones(restoring = false): Promise<void> {
    const { board } = this.loaded;
    this.zoneFiles = [];
    for (const entry of this.loaded.zoneFiles) this.zoneFiles.push(await readZoneFile(entry.path, board, this.zoneCheckOptions()));
    const findings = [...this.zoneFiles.flatMap((z) => z.findings)];
    if (this.rootConfig) findings.push(...crossCheck([this.rootConfig, ...this.zoneFiles.map((z) => z.config)], board, this.zoneCheckOptions()));
    if (errorsOf(findings).length > 0) throw new ImageError(formatZoneReport(findings));
    for (const z of this.zoneFiles) this.zoneNames.set(z.config.zoneId, z.config.name);
    if (this.loaded.virtioFile && this.rootConfig) {
      const { config } = await readVirtioConfig(this.loaded.virtioFile, [this.rootConfig, ...this.zoneFiles.map((z) => z.config)]);
      this.virtioConfig = config;
      this.virtio!.prepare(config);
    }
    if (restoring) return;
    const ram = this.view.bus.ram;
    const dtb =
      this.pendingDtb.bytes ??
      buildRootDtb({
        // The plan's board: its PCIe host lists the layout's functions (a zone whose pci_config names the host gets its node).
        board: this.plan.board,
        harts: [...this.harts],
        root: this.rootConfig,
        ram: { base: ram.base, size: ram.size },
        moreRam: this.view.bus.banks.slice(1).map((b) => ({ base: b.base, size: b.size })),
        otherZones: this.zoneFiles.map((z) => z.config),
        virtio: this.virtio?.devicesOf(0) ?? [],
        rngSeed: rngSeed(this.deterministic !== undefined, 0),
        ...(this.loaded.layout.root.bootargs ? { bootargs: this.loaded.layout.root.bootargs } : {}),
        ...(this.pendingDtb.initrd ? { initrd: this.pendingDtb.initrd } : {}),
      });
    if (!this.view.bus.isRam(this.dtbAddress, dtb.length)) this.dtbAddress = ram.base + ram.size - alignUp(dtb.length, 0x1000);
    loadRaw(dtb, this.dtbAddress, this.view.bus, this.loaded.images.dtb ?? 'generated device tree');
  }

  /** The layout's PCI functions on the board's PCIe host, served to the root zone by the management side. */
  private pciFunctions(): Parameters<VirtioService['start']>[2] {
    const { layout, board, folder } = this.loaded;
    if (!layout.pci || layout.pci.length === 0) return undefined;
    const host = this.plan.board.devices.find((d) => d.kind === 'pci-host-ecam');
    if (!host) throw new HostFileError(`${this.loaded.file}: pci: board '${board.name}' has no PCIe host (pci-host-ecam)`);
    // A function whose state is all shared bytes (bochs-display) is served by the board's host in each
    // vCPU thread: the root reaches it through "io" regions over the windows, no daemon needed.
    if (layout.pci.every((d) => pciFunctionType(d.type, host.name).endpoint)) return undefined;
    // The BARs are served through the bridge: the root reaches them through "virtio" regions over the
    // windows (examples/riscv64-pcie-root) or through hvisor's vPCI, which traps every zone's ECAM and maps
    // each zone's BARs as it programs them (core/hypervisor/vpci/vpci.ts).
    return {
      host,
      zone: 0,
      devices: layout.pci,
      openBlock: async (device) => {
        // Deterministic mode: the image stays as it is, the run's writes live in memory (decision 0025).
        const file = await FileBlockBackend.open(path.resolve(folder, device.img ?? ''), { readOnly: device.readOnly || this.deterministic !== undefined });
        return this.deterministic ? new OverlayBlockBackend(file, device.readOnly === true) : file;
      },
    };
  }

  /** The CPUs whose prefaulter started from a previous boot's RAM profile (ram-profile.ts). */
  readonly ramProfileReplayed = new Set<number>();
  /** The CPUs whose translation tier started from a previous boot's translation profile (translation-profile.ts). */
  readonly translationProfileReplayed = new Set<number>();
  /** How many CPUs were given a RAM profile file to replay or learn. */
  ramProfiles = 0;
  /** How many CPUs were given a translation profile file to replay or learn. */
  translationProfiles = 0;

  /**
   * CPU `hart`'s RAM and translation profile files, unless profiles are off or their folder cannot be had
   * (then the prefaulter only reacts and the tier counts every head's runs).
   */
  private profilesOf(hart: number): { ramProfile?: string; translationProfile?: string } {
    let ram: string | undefined;
    let translation: string | undefined;
    try {
      ram = ramProfilePath(this.loaded, hart, this.view.bus.ram.size);
      translation = translationProfilePath(this.loaded, hart, this.view.bus.ram.size);
    } catch (error) {
      this.log(`RAM and translation profiles are off: ${(error as Error).message}`);
      return {};
    }
    if (ram !== undefined) this.ramProfiles++;
    if (translation !== undefined) this.translationProfiles++;
    const replayed: string[] = [];
    if (ramProfileExists(ram)) {
      this.ramProfileReplayed.add(hart);
      replayed.push('RAM profile (its page faults taken on a spare core first; HVWB_RAM_PROFILE=0 turns these off)');
    }
    if (ramProfileExists(translation)) {
      this.translationProfileReplayed.add(hart);
      replayed.push('translation profile (the blocks it translated are translated when first run; HVWB_TRANSLATION_PROFILE=0 turns these off)');
    }
    if (replayed.length > 0) this.log(`CPU ${hart}: replaying the ${replayed.join(' and the ')} of a previous boot of this layout`);
    return { ...(ram !== undefined ? { ramProfile: ram } : {}), ...(translation !== undefined ? { translationProfile: translation } : {}) };
  }

  /** The zone files of the layout, parsed (for validation reports and the UI). */
  get layoutZones(): readonly ZoneFile[] {
    return this.zoneFiles;
  }

  /** `restore`: the CPUs' private states of a snapshot applied to this machine (snapshot/machine-snapshot.ts). */
  async start(restore?: { readonly states: readonly Uint8Array[]; readonly wasRunning: boolean; readonly machineTicks: number; readonly management?: unknown; readonly disks?: ReadonlyMap<string, Uint8Array> }): Promise<void> {
    if (this.workers.length > 0) return;
    const { layout, board } = this.loaded;
    const mode = layout.root.mode;
    const hartsToRun = mode === 'supervisor' ? Array.from({ length: board.harts }, (_, i) => i) : this.harts;
    tuneWasmTiering();
    // A thread that compiles blocks pays only on a core no zone's CPU needs (decision 0014: -9 % of a
    // riscv64 vCPU's CPU, 2 % of the boot on 2 cores with one CPU running; nothing with two).
    const zoneCpus = new Set([...this.harts, ...this.zoneFiles.flatMap((z) => z.config.cpus)]);
    const backgroundCompile = !this.deterministic && availableParallelism() > zoneCpus.size;
    for (const hart of hartsToRun) {
      const init: VcpuInit = {
        plan: this.plan,
        memory: this.memory,
        hart,
        backgroundCompile,
        mode,
        startsRunning: mode === 'machine' && this.harts.includes(hart),
        entry: this.entry.toString(),
        a1: this.dtbAddress.toString(),
        ...(this.tohost !== undefined ? { tohost: this.tohost } : {}),
        ...(this.fromhost !== undefined ? { fromhost: this.fromhost } : {}),
        epoch: this.epoch,
        timebase: board.timebaseFrequency,
        slice: this.options.slice,
        hypervisor: { strict: layout.strict, shutdownWaitMs: 2000, workbenchSbiExtensions: layout.workbenchSbiExtensions, workbenchPsciExtensions: layout.workbenchPsciExtensions, workbenchIvc: layout.workbenchIvc, ...(this.deterministic ? { answerEveryVirtioRequest: true, cpusBetweenTurns: true } : {}) },
        ...(this.deterministic ? { deterministic: { buffer: this.deterministic.state.buffer, params: this.deterministic.params } } : {}),
        ...(restore?.states[hart] ? { restoreState: restore.states[hart] } : {}),
        ...(backgroundCompile ? this.profilesOf(hart) : {}),
      };
      const spawned = this.early.get(hart);
      if (mode === 'supervisor' && !spawned && !restore && !this.deterministic && !this.harts.includes(hart)) {
        this.parked.push({ hart, init });
        continue;
      }
      if (spawned) {
        this.early.delete(hart);
        spawned.ref();
        spawned.postMessage({ type: 'init', init } satisfies VcpuStart);
        this.workers.push(spawned);
      } else this.workers.push(this.spawnWorker(hart, { init }));
    }
    this.cancelEarly();
    this.pump = setInterval(() => this.pumpOnce(), 5);
    if (restore) {
      // The zones, their devices and the clock came with the snapshot: the machine continues where it
      // was, once every worker is up (the clock stands still meanwhile, so no timer is late for it).
      if (restore.management !== undefined) {
        // The virtio daemon serves the same devices again, from where their queues were, over the snapshot's disks.
        this.virtio!.prepareRestore(restore.management, restore.disks ?? new Map());
        for (const note of await this.virtio!.start(this.virtioConfig ?? { source: this.loaded.file, zones: [] }, this.virtioBaseDir(), this.pciFunctions())) this.log(note);
        this.virtio!.restoreState(restore.management);
      }
      await this.workersReady(this.workers.length);
      // The clock was set to the saved time when the snapshot was applied: resuming takes out the time since.
      this.pausedAt = restore.machineTicks;
      this.setState('paused');
      if (restore.wasRunning) this.resume();
      return;
    }
    this.setState('running');
    if (this.runtime && this.rootConfig) {
      const pci = this.pciFunctions();
      if ((this.virtioConfig && this.loaded.virtioFile) || pci) {
        const baseDir = this.loaded.virtioFile ? path.dirname(this.loaded.virtioFile) : this.loaded.folder;
        for (const note of await this.virtio!.start(this.virtioConfig ?? { source: this.loaded.file, zones: [] }, baseDir, pci, { deterministic: this.deterministic !== undefined })) this.log(note);
      }
      const root = { ...this.rootConfig, entryPoint: this.entry, dtbLoadPaddr: this.dtbAddress };
      const result = this.runtime.hypervisor.startZone(root, encodeZoneConfig(root));
      if (result.code !== 0) this.reportFault(0, this.harts[0] ?? 0, `the root zone did not start: ${result.message}`);
      for (const [i, zone] of this.zoneFiles.entries()) {
        if (!this.loaded.zoneFiles[i]?.autostart) continue;
        const started = await this.startZoneFile(zone);
        this.log(started.message);
      }
    }
    // Deterministic mode: the management thread held the baton while it set the zones up; now the rounds begin.
    this.deterministic?.begin({
      drainConsoles: () => this.drainConsoles(),
      pollDevices: () => {
        this.view.pollDevices();
        this.syncVirtioZones();
      },
      settleDevices: () => this.virtio?.settle() ?? Promise.resolve(),
      inputDevice: (zone) => this.virtio?.consoleName(zone),
      input: (bytes, zone) => this.applyInput(bytes, zone),
      requestAll: (pause) => this.requestAll(pause ? RunRequest.pause : RunRequest.run, this.heldHarts),
      log: (line) => this.log(line),
      pausedBy: (message) => {
        this.log(message);
        this.setState('paused');
      },
      zoneCommand: async (command) => (command.kind === 'zone-start' ? this.startZoneNow(command.file) : this.shutdownZone(command.zone)),
    });
  }

  /** 'deterministic', 'recording' or 'replaying'; undefined in the normal mode. */
  get deterministicStatus(): DeterministicStatus | undefined {
    return this.deterministic?.status;
  }

  /** `hvisor zone start <config.json>`: check it against the running zones, load its images, start it. */
  /** The layout's options for hvisor's zone checks (its workbench conveniences). */
  private zoneCheckOptions(): ZoneCheckOptions {
    return { workbenchIvc: this.loaded.layout.workbenchIvc, pci: this.loaded.layout.pci ?? [] };
  }

  async startZone(file: string): Promise<ZoneResult> {
    // Deterministic mode: applied in the management turn and recorded (decision 0025).
    if (this.deterministic) return this.deterministic.zoneCommand({ kind: 'zone-start', file: path.resolve(file) });
    return this.startZoneNow(file);
  }

  private async startZoneNow(file: string): Promise<ZoneResult> {
    if (!this.runtime) return { code: -22, message: 'this layout runs without the hypervisor (root.mode is "machine")' };
    const zone = await readZoneFile(path.resolve(file), this.loaded.board, this.zoneCheckOptions());
    const running = this.runningConfigs();
    const findings = [...zone.findings, ...crossCheck([...running, zone.config], this.loaded.board, this.zoneCheckOptions())];
    const errors = errorsOf(findings);
    if (errors.length > 0) return { code: -22, message: formatZoneReport(errors) };
    this.zoneNames.set(zone.config.zoneId, zone.config.name);
    return this.startZoneFile(zone);
  }

  private async startZoneFile(zone: ZoneFile): Promise<ZoneResult> {
    const options = this.loaded.zoneFiles.find((z) => path.resolve(z.path) === path.resolve(zone.file));
    const generate = options?.generateDtb
      ? {
          board: this.plan.board,
          others: [this.rootConfig!, ...this.zoneFiles.map((z) => z.config)],
          ...(options.bootargs ? { bootargs: options.bootargs } : {}),
          virtio: this.virtio?.devicesOf(zone.config.zoneId) ?? [],
          rngSeed: rngSeed(this.deterministic !== undefined, zone.config.zoneId),
        }
      : undefined;
    if (!generate) {
      const problems = errorsOf(await checkUserDtb(zone, this.virtio?.devicesOf(zone.config.zoneId) ?? []));
      if (problems.length > 0) return { code: -22, message: formatZoneReport(problems) };
    }
    const config = await loadZoneImages(zone, this.view.bus, generate);
    return this.runtime!.hypervisor.startZone(config, zoneConfigBytes(config));
  }

  /** `hvisor virtio start <virtio_cfg.json>`: serve the file's devices (one daemon per machine). */
  async startVirtio(file: string): Promise<string[]> {
    if (!this.virtio || !this.rootConfig) throw new HostFileError('this layout runs without the hypervisor: no zones to serve');
    const { config } = await readVirtioConfig(file, [this.rootConfig, ...this.zoneFiles.map((z) => z.config)]);
    this.virtioConfig = config;
    // Deterministic mode: the vCPUs wait for an answer to every access, so the daemon must give one.
    return this.virtio.start(config, path.dirname(file), undefined, { deterministic: this.deterministic !== undefined });
  }

  private runningConfigs(): ZoneConfig[] {
    const configs: ZoneConfig[] = [];
    if (this.rootConfig) configs.push(this.rootConfig);
    for (const slot of this.runtime?.table.live() ?? []) {
      if (slot.zoneId === 0) continue;
      const known = this.zoneFiles.find((z) => z.config.zoneId === slot.zoneId);
      if (known) configs.push(known.config);
    }
    return configs;
  }

  /** The virtio side of the machine (folder disks, consoles), when the layout runs zones. */
  get virtioService(): VirtioService | undefined {
    return this.virtio;
  }

  /** `hvwb zone shutdown` from outside: in deterministic mode in the management turn, recorded. */
  async requestShutdown(zoneId: number): Promise<ZoneResult> {
    if (this.deterministic) return this.deterministic.zoneCommand({ kind: 'zone-shutdown', zone: zoneId });
    return this.shutdownZone(zoneId);
  }

  shutdownZone(zoneId: number): ZoneResult {
    if (!this.runtime) return { code: -22, message: 'this layout runs without the hypervisor' };
    return this.runtime.hypervisor.shutdownZone(zoneId);
  }

  listZones(): ZoneInfo[] {
    return this.runtime?.hypervisor.list() ?? [];
  }

  /** Zones as the workbench shows them: every live zone, plus layout zones that are not running. */
  /** The MSI-X tables of the PCIe functions the root's virtio daemon serves, by device number. */
  pciMsixTables(): ReturnType<VirtioService['pciMsixTables']> {
    return this.virtio?.pciMsixTables() ?? new Map();
  }

  zoneStatuses(): ZoneStatus[] {
    if (!this.runtime) return [{ id: 0, name: 'root', state: this.stateValue === 'faulted' ? 'error' : this.workers.length ? 'running' : 'stopped', cpus: this.harts, ...(this.faults[0] ? { error: this.faults[0].message } : {}) }];
    const statuses: ZoneStatus[] = [];
    for (const slot of this.runtime.table.live()) {
      const error = slot.errorText();
      statuses.push({
        id: slot.zoneId,
        name: this.zoneNames.get(slot.zoneId) ?? `zone${slot.zoneId}`,
        state: slot.state === ZoneState.error ? 'error' : 'running',
        cpus: slot.cpuList(),
        ...(error ? { error } : {}),
      });
    }
    const known = [{ id: 0, name: this.rootConfig!.name, cpus: this.rootConfig!.cpus }, ...this.zoneFiles.map((z) => ({ id: z.config.zoneId, name: z.config.name, cpus: z.config.cpus }))];
    for (const zone of known) {
      if (!statuses.some((s) => s.id === zone.id)) statuses.push({ ...zone, state: 'stopped' });
    }
    return statuses.sort((a, b) => a.id - b.id);
  }

  private readonly readyCpus = new Set<number>();
  private readonly readyWaiters: (() => void)[] = [];

  /** Resolves once `count` workers said they are ready, or after 60 s (a worker that failed reported itself). */
  private async workersReady(count: number): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (this.readyCpus.size < count && Date.now() < deadline && this.stateValue !== 'faulted') {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.readyWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Snapshots: whoever waits for a CPU's private state (RunRequest.save), by CPU. */
  private readonly stateWaiters = new Map<number, (message: { state?: Uint8Array; error?: string }) => void>();

  /** Saves the whole machine to `file` (docs/decisions/0024); it runs on (or stays paused) afterwards. */
  async saveSnapshot(file: string): Promise<SnapshotFigures> {
    if (this.deterministic) throw new SnapshotError(`${file}: snapshots of a deterministic run (decision 0025) are not supported yet`);
    return saveMachine(this.snapshotPort(), file);
  }

  /**
   * A new machine of `loaded` continuing where the snapshot `file` was, not started yet (call start() with
   * the result's restore). Everything is read and checked before this returns; nothing else is touched.
   */
  static async fromSnapshot(loaded: LoadedLayout, file: string, options: { slice?: number } = {}): Promise<{ host: MachineHost; restore: { states: Uint8Array[]; wasRunning: boolean; machineTicks: number; management?: unknown; disks: Map<string, Uint8Array> }; readMs: number; bytes: number }> {
    if (loaded.layout.deterministic) throw new SnapshotError(`${file}: ${loaded.file} runs deterministic (decision 0025); restoring a snapshot into it is not supported yet`);
    const checked = await readCheckedSnapshot(file);
    const host = await MachineHost.create(loaded, { ...options, restoring: true });
    const port = host.snapshotPort();
    await checkAgainst(checked, port);
    const restore = applySnapshot(checked, port);
    for (const [id, name] of checked.snapshot.header.zoneNames) host.zoneNames.set(id, name);
    return { host, restore, readMs: checked.readMs, bytes: checked.snapshot.bytes };
  }

  /** Where the virtio config's relative paths start. */
  private virtioBaseDir(): string {
    return this.loaded.virtioFile ? path.dirname(this.loaded.virtioFile) : this.loaded.folder;
  }

  private snapshotPort(): SnapshotPort {
    return {
      loaded: this.loaded,
      layoutZones: this.zoneFiles,
      plan: this.plan,
      buffer: this.view.buffer,
      headers: this.view.headers,
      controlF64: this.view.controlF64,
      control: this.view.control,
      lock: this.view.lock,
      timebase: this.loaded.board.timebaseFrequency,
      state: () => this.stateValue,
      now: () => this.view.clock.now(),
      pausedAt: () => this.pausedAt,
      pause: () => this.pause(),
      resume: () => this.resume(),
      zoneNames: () => this.zoneNames,
      retired: () => this.retired(),
      managementState: async () => (this.virtio?.running ? this.virtio.saveState() : undefined),
      diskSections: async () => (this.virtio?.running ? this.virtio.diskSections() : []),
      diskFiles: () => [
        ...(this.virtio?.diskFiles(this.virtioBaseDir()) ?? []),
        ...(this.loaded.layout.pci ?? []).filter((d) => d.img).map((d) => ({ role: `pci slot ${d.slot} ${d.type}`, path: path.resolve(this.loaded.folder, d.img!) })),
      ],
      cpuStates: (timeoutMs) =>
        Promise.all(
          this.view.headers.map(
            (header, cpu) =>
              new Promise<Uint8Array>((resolve, reject) => {
                const timer = setTimeout(() => {
                  this.stateWaiters.delete(cpu);
                  reject(new Error(`CPU ${cpu} did not hand over its state within ${timeoutMs} ms`));
                }, timeoutMs);
                this.stateWaiters.set(cpu, (message) => {
                  clearTimeout(timer);
                  this.stateWaiters.delete(cpu);
                  if (message.state) resolve(message.state);
                  else reject(new Error(`CPU ${cpu}: ${message.error ?? 'no state'}`));
                });
                Atomics.store(header, HartWord.request, RunRequest.save);
                Atomics.notify(header, HartWord.request);
                wakeHart(header);
              }),
          ),
        ),
    };
  }

  /** Each CPU's translation-tier figures, as its thread reported them when it ended (after stop()). */
  readonly tierStats = new Map<number, TierStats>();

  private onWorkerMessage(message: VcpuMessage): void {
    switch (message.type) {
      case 'fault':
        this.reportFault(message.zone ?? 0, message.hart, message.text);
        break;
      case 'error':
        this.reportFault(-1, message.hart, `internal error: ${message.message}`);
        break;
      case 'log':
        this.log(`hvisor: ${message.message}`);
        break;
      case 'exit':
        if (message.tier) this.tierStats.set(message.hart, message.tier);
        break;
      case 'state':
        this.stateWaiters.get(message.hart)?.(message);
        break;
      case 'ready':
        this.readyCpus.add(message.hart);
        for (const wake of this.readyWaiters.splice(0)) wake();
        break;
      default:
        break;
    }
  }

  private reportFault(zone: number, hart: number, message: string): void {
    const key = `${zone}:${message}`;
    if (this.reportedErrors.has(key)) return;
    this.reportedErrors.add(key);
    // What the guest printed before it faulted comes before the report, as it happened.
    this.drainConsoles();
    const fault = { zone, zoneName: this.zoneNames.get(zone) ?? (zone < 0 ? 'machine' : `zone${zone}`), hart, message };
    this.faults.push(fault);
    for (const l of this.listeners) l.fault?.(fault);
    if (!this.runtime || zone < 0) this.setState('faulted');
  }

  private drainConsoles(): void {
    // Deterministic mode: ring space is guest-visible, so the rings are emptied only in the management turn.
    if (this.deterministic && !this.deterministic.holdsBaton) return;
    const bytes = this.view.drainConsole();
    if (bytes.length > 0) this.emitOutput(this.uartOwner(), bytes);
    for (const slot of this.runtime?.table.live() ?? []) {
      if (slot.consoleOut.available() > 0) this.emitOutput(slot.zoneId, slot.consoleOut.drain());
    }
  }

  /** Moves console output to listeners and notices exits and zone changes. */
  private pumpOnce(): void {
    if (this.parked.length > 0) this.spawnNeeded();
    if (!this.deterministic) this.view.pollDevices();
    this.drainConsoles();
    const version = this.runtime?.table.version() ?? 0;
    if (version !== this.tableVersion) {
      this.tableVersion = version;
      // Deterministic mode: in the management turn (a dead zone's devices are reset at a fixed round).
      if (!this.deterministic) this.syncVirtioZones();
      const zones = this.zoneStatuses();
      for (const zone of zones) if (zone.error) this.reportFault(zone.id, -1, zone.error);
      for (const l of this.listeners) l.zones?.(zones);
    }
    const exit = this.view.exitState();
    if (exit.kind !== MachineExit.none && !this.exitReported) {
      this.exitReported = true;
      const kinds = { [MachineExit.poweroff]: 'poweroff', [MachineExit.fail]: 'fail', [MachineExit.reset]: 'reset', [MachineExit.fault]: 'fault' } as const;
      const kind = kinds[exit.kind as 1 | 2 | 3 | 4];
      for (const l of this.listeners) l.exit?.(kind, exit.code);
      this.setState(exit.kind === MachineExit.fault ? 'faulted' : 'exited');
    }
  }

  /**
   * Starts the thread of each parked CPU that is needed now: put in a zone (a zone start, the hypervisor's
   * or the host's), sent a hypervisor event, or asked to pause, step, save or stop (the thread answers
   * once up, as it would have parked). The CPU's shared words are all that told it to run before. Until
   * its thread has seen them the CPU shows as running: a snapshot waits for it (a zone start it has not
   * taken yet is no state to save).
   */
  private spawnNeeded(): void {
    this.parked = this.parked.filter(({ hart, init }) => {
      const header = this.view.headers[hart]!;
      const needed = Atomics.load(header, HartWord.zoneSlot) !== 0 || Atomics.load(header, HartWord.events) !== 0 || Atomics.load(header, HartWord.request) !== RunRequest.run;
      if (needed) {
        Atomics.store(header, HartWord.status, HartStatus.running);
        this.workers.push(this.spawnWorker(hart, { init }));
      }
      return !needed;
    });
  }

  /** The virtio daemon resets the devices of zones that went away. */
  private syncVirtioZones(): void {
    const version = this.runtime?.table.version() ?? 0;
    if (version === this.virtioTableVersion) return;
    this.virtioTableVersion = version;
    this.virtio?.zonesChanged(this.runtime!.table.live().map((slot) => slot.zoneId));
  }

  private emitOutput(zone: number, bytes: Uint8Array): void {
    const name = this.zoneNames.get(zone) ?? (this.runtime ? `zone${zone}` : 'root');
    for (const l of this.listeners) l.output?.(zone, name, bytes);
  }

  /** The zone whose `io` regions cover UART0 (the root, unless a layout passes it to another zone). */
  private uartOwner(): number {
    if (!this.runtime) return 0;
    const uart = this.view.devices.uart ? this.view.bus.mappings.find((m) => m.device === this.view.devices.uart) : undefined;
    if (!uart) return 0;
    const owner = [this.rootConfig!, ...this.zoneFiles.map((z) => z.config)].find((z) =>
      z.memoryRegions.some((r) => r.type === 'io' && uart.base >= r.physicalStart && uart.base < r.physicalStart + r.size),
    );
    return owner?.zoneId ?? 0;
  }

  /** Bytes typed into a zone's terminal: the UART if the zone owns it, else its SBI console. */
  input(bytes: Uint8Array, zone = 0): void {
    if (this.deterministic) this.deterministic.input(bytes, zone);
    else this.applyInput(bytes, zone);
  }

  private applyInput(bytes: Uint8Array, zone: number): void {
    if (this.virtio?.consoleInput(zone, bytes)) return;
    if (!this.runtime || zone === this.uartOwner()) {
      this.view.consoleInput(bytes);
      return;
    }
    this.runtime.table.byId(zone)?.consoleIn.pushBytes(bytes);
  }

  pause(): void {
    if (this.stateValue !== 'running') return;
    if (this.deterministic) {
      // Applied in the next management turn; paused rounds move no time.
      this.deterministic.pause();
      this.setState('paused');
      return;
    }
    this.pausedAt = this.view.clock.now();
    this.requestAll(RunRequest.pause);
    this.setState('paused');
  }

  resume(): void {
    if (this.stateValue !== 'paused') return;
    if (this.deterministic) {
      this.deterministic.resume();
      this.setState('running');
      return;
    }
    const pausedFor = this.view.clock.now() - this.pausedAt;
    this.view.controlF64[ControlWord.pausedTicksF64]! += pausedFor;
    this.requestAll(RunRequest.run, this.heldHarts);
    this.setState('running');
  }

  /** Harts the debugger holds (zone pause, step, breakpoint): a machine resume leaves them paused. */
  readonly heldHarts = new Set<number>();

  /** Debugger: stops the harts at their next slice boundary; the rest of the machine runs on. */
  holdHarts(harts: readonly number[]): void {
    for (const h of harts) {
      this.heldHarts.add(h);
      const header = this.view.headers[h]!;
      for (;;) {
        const current = Atomics.load(header, HartWord.request);
        if (current !== RunRequest.run && current !== RunRequest.yield) break;
        if (Atomics.compareExchange(header, HartWord.request, current, RunRequest.pause) === current) break;
      }
      Atomics.notify(header, HartWord.request);
      wakeHart(header);
    }
  }

  /** Debugger: lets held harts run again (they stay paused while the whole machine is). */
  releaseHarts(harts: readonly number[]): void {
    for (const h of harts) {
      this.heldHarts.delete(h);
      if (this.stateValue === 'paused') continue;
      const header = this.view.headers[h]!;
      Atomics.compareExchange(header, HartWord.request, RunRequest.pause, RunRequest.run);
      Atomics.notify(header, HartWord.request);
      wakeHart(header);
    }
  }

  private requestAll(request: number, except?: ReadonlySet<number>): void {
    for (const [hart, header] of this.view.headers.entries()) {
      if (except?.has(hart)) continue;
      Atomics.store(header, HartWord.request, request);
      Atomics.notify(header, HartWord.request);
      wakeHart(header);
    }
  }

  hartSnapshots(harts: readonly number[] = this.harts): HartSnapshot[] {
    return harts.map((id) => {
      const header = this.view.headers[id]!;
      const retired = (Atomics.load(header, HartWord.retiredHi) >>> 0) * 0x1_0000_0000 + (Atomics.load(header, HartWord.retiredLo) >>> 0);
      const status = STATUS_NAMES[Atomics.load(header, HartWord.status)] ?? 'stopped';
      return { id, status, retired };
    });
  }

  retired(): number {
    return this.hartSnapshots(this.view.headers.map((_, i) => i)).reduce((sum, h) => sum + h.retired, 0);
  }

  get workerCount(): number {
    return this.workers.length;
  }

  async stop(): Promise<void> {
    this.cancelEarly();
    this.parked = [];
    this.deterministic?.stop();
    this.requestAll(RunRequest.stop);
    await this.virtio?.stop();
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
    // Deterministic mode: what the CPUs printed since the last management turn.
    if (this.deterministic) this.drainConsoles();
    if (this.stateValue === 'running' || this.stateValue === 'paused') this.setState('exited');
  }

  private setState(state: MachineState): void {
    if (this.stateValue === state) return;
    this.stateValue = state;
    for (const l of this.listeners) l.state?.(state);
  }

  /** True once every running hart is waiting or stopped (used by tests to wait for an idle guest). */
  allIdle(): boolean {
    return this.view.headers.every((header) => {
      const s = Atomics.load(header, HartWord.status);
      return s === HartStatus.waiting || s === HartStatus.stopped;
    });
  }
}

/**
 * A layout may give the board less RAM than board.rs assumes; the root's RAM regions then end where
 * the RAM banks do, so its device tree does not promise memory that is not there.
 */
function clipToRam(zone: ZoneConfig, banks: readonly { readonly base: number; readonly size: number }[]): ZoneConfig {
  const memoryRegions = zone.memoryRegions.flatMap((r) => {
    if (r.type !== 'ram' || banks.some((b) => r.physicalStart >= b.base && r.physicalStart + r.size <= b.base + b.size)) return [r];
    return banks.flatMap((b) => {
      const start = Math.max(r.physicalStart, b.base);
      const stop = Math.min(r.physicalStart + r.size, b.base + b.size);
      return stop > start ? [{ ...r, physicalStart: start, virtualStart: r.virtualStart + (start - r.physicalStart), size: stop - start }] : [];
    });
  });
  return { ...zone, memoryRegions };
}
