/**
 * A single-threaded QEMU-virt-shaped aarch64 machine for integration tests: RAM at 0x4000_0000, one
 * A64 CPU, a GICv3 (distributor 0x0800_0000, redistributor 0x080A_0000), a PL011 at 0x0900_0000 on
 * SPI 1 (INTID 33), and the CPU's generic timer outputs on PPIs 27 (virtual) and 30 (physical).
 *
 * The CPU reaches the ICC_* registers only through Supervisor.systemRegister, so the machine gives it a
 * pass-through "supervisor": identity stage 2 (guest-physical RAM is the RAM window, anything else is
 * trapped MMIO handed to the bus), no HVC/SMC handling, and ICC_* forwarded to the GIC's CPU interface.
 *
 * Time: the Clock counts one tick (of a 62.5 MHz counter, QEMU virt's CNTFRQ) per retired instruction,
 * and jumps to the CPU's next timer deadline when the CPU waits in WFI with nothing pending.
 */
import { readFileSync } from 'node:fs';
import { AddressSpace } from '../../../src/core/bus/address-space';
import type { HartSignals, SharedRegion } from '../../../src/core/bus/types';
import { CpuWord, type CpuExit, type CpuFaultReport } from '../../../src/core/cpu/cpu-core';
import { ICC_REGISTERS } from '../../../src/core/devices/intc/arm-gicv3/cpu-interface';
import { ArmGicv3 } from '../../../src/core/devices/intc/arm-gicv3/gicv3';
import { Pl011 } from '../../../src/core/devices/uart/pl011';
import { A64Cpu, A64_STATE_BYTES } from '../../../src/core/isa/aarch64/cpu';
import { Stage2, type ArmPlatform, type Supervisor, type TimerOutput } from '../../../src/core/isa/aarch64/platform';

export const VIRT = {
  ram: 0x4000_0000,
  gicd: 0x0800_0000,
  gicdSize: 0x1_0000,
  gicr: 0x080a_0000,
  uart: 0x0900_0000,
  uartSize: 0x1000,
  uartIntid: 33,
  /** QEMU virt's GICv3: ITLinesNumber = 8, 288 INTIDs. */
  gicLines: 288,
  timerPpi: { virtual: 27, physical: 30 } as Record<TimerOutput, number>,
  timerFrequency: 62_500_000,
} as const;

function region(bytes: number): SharedRegion {
  return { buffer: new SharedArrayBuffer(bytes), byteOffset: 0, byteLength: bytes };
}

export interface RunResult {
  /** Why the loop stopped: the predicate held, the CPU idles with no timer armed, it faulted, or the budget ran out. */
  readonly reason: 'done' | 'idle' | 'fault' | 'budget';
  readonly lastExit: CpuExit;
}

export class VirtMachine {
  readonly bus: AddressSpace;
  readonly cpu: A64Cpu;
  readonly gic: ArmGicv3;
  readonly uart: Pl011;
  readonly header: Int32Array;
  readonly ram: DataView;
  readonly faults: CpuFaultReport[] = [];
  readonly unimplemented: CpuFaultReport[] = [];
  /** Every ICC register access the CPU made: "mrs icc_iar1_el1=0x1b" / "msr icc_eoir1_el1=0x1b". */
  readonly iccLog: string[] = [];
  /** Timer output level changes as "virtual=1@tick". */
  readonly timerLog: string[] = [];
  /** Console output so far (drained from the PL011's output ring). */
  output = '';
  time = 0;

  constructor(readonly ramSize = 1 << 20) {
    const ram = region(ramSize);
    this.ram = new DataView(ram.buffer);
    this.bus = new AddressSpace(VIRT.ram, ram);
    const cpuState = region(A64_STATE_BYTES);
    this.header = new Int32Array(cpuState.buffer, 0, 64);
    const header = this.header;
    const signals: HartSignals = {
      setPending(_cpu, mask, level) {
        if (level) Atomics.or(header, CpuWord.pending, mask);
        else Atomics.and(header, CpuWord.pending, ~mask);
      },
    };
    const gicConfig = { cpus: 1, lines: VIRT.gicLines, affinities: [0] };
    this.gic = new ArmGicv3(region(ArmGicv3.stateBytes(gicConfig)), gicConfig, signals);
    this.uart = new Pl011(region(Pl011.stateBytes()), { sink: this.gic, line: VIRT.uartIntid });
    this.bus.map('gicd', VIRT.gicd, VIRT.gicdSize, this.gic.distributor);
    this.bus.map('gicr', VIRT.gicr, this.gic.redistributors.size, this.gic.redistributors);
    this.bus.map('pl011', VIRT.uart, VIRT.uartSize, this.uart);

    const bus = this.bus;
    const gic = this.gic;
    const iccLog = this.iccLog;
    const supervisor: Supervisor = {
      call: () => {},
      translate: (ipa, size) => (bus.isRam(ipa, size) ? ipa - VIRT.ram : Stage2.trap),
      mmioRead(_cpu, ipa, size) {
        const lo = bus.read(ipa, size) >>> 0;
        return size === 8 ? (BigInt(bus.high >>> 0) << 32n) | BigInt(lo) : BigInt(lo);
      },
      mmioWrite(_cpu, ipa, size, value) {
        bus.write(ipa, size, Number(value & 0xffff_ffffn), Number((value >> 32n) & 0xffff_ffffn));
      },
      systemRegister(_cpu, cpuName, encoding, write, value) {
        const r = gic.cpuInterface(0).access(encoding, write, value);
        // The CPU names registers it does not know generically (s3_0_c12_c12_0); the GIC knows them.
        const name = ICC_REGISTERS.find((reg) => reg.key === encoding)?.name.toLowerCase() ?? cpuName;
        iccLog.push(write ? `msr ${name}=0x${value.toString(16)}` : `mrs ${name}=${typeof r === 'bigint' ? `0x${r.toString(16)}` : String(r)}`);
        return r;
      },
    };
    const platform: ArmPlatform = {
      cpuId: 0,
      mpidr: 0n,
      bus,
      clock: { now: () => this.time },
      timerFrequency: VIRT.timerFrequency,
      supervisor,
      gicSystemRegisters: true,
      timerOutput: (timer, level) => {
        this.timerLog.push(`${timer}=${level ? 1 : 0}@${this.time}`);
        gic.setPrivateLevel(0, VIRT.timerPpi[timer], level);
      },
      unimplemented: (r) => {
        this.unimplemented.push(r);
        return 'deliver';
      },
      fault: (r) => this.faults.push(r),
    };
    this.cpu = new A64Cpu(platform, cpuState);
  }

  /** Loads a flat image at the start of RAM and powers the CPU on at it. */
  boot(image: Uint8Array): void {
    new Uint8Array(this.ram.buffer, 0, this.ramSize).set(image);
    this.cpu.powerOn(BigInt(VIRT.ram), []);
  }

  /** Bytes typed on the PL011's line (the host fills the input ring, then polls the device). */
  type(text: string): void {
    this.uart.inputRing.pushBytes([...text].map((c) => c.charCodeAt(0)));
    this.uart.poll();
  }

  /**
   * Runs CpuCore.run slices until `until()` holds, the CPU idles with no timer armed and nothing
   * pending, it faults, or `budget` instructions retired.
   */
  run(until: () => boolean, budget = 5_000_000, slice = 10_000): RunResult {
    const start = this.cpu.retired;
    let lastExit: CpuExit = 'budget';
    for (;;) {
      this.drain();
      if (until()) return { reason: 'done', lastExit };
      if (this.cpu.retired - start >= budget) return { reason: 'budget', lastExit };
      const before = this.cpu.retired;
      lastExit = this.cpu.run(slice);
      this.time += this.cpu.retired - before;
      this.drain();
      if (lastExit === 'fault') return { reason: 'fault', lastExit };
      if (lastExit === 'wfi' && !this.cpu.hasWork()) {
        const deadline = this.cpu.nextDeadline();
        if (deadline === Infinity) {
          if (until()) return { reason: 'done', lastExit };
          return { reason: 'idle', lastExit };
        }
        this.time = Math.max(this.time, deadline);
      }
    }
  }

  /** A 32-bit word of RAM at a guest-physical address. */
  word(address: number): number {
    return this.ram.getUint32(address - VIRT.ram, true);
  }

  private drain(): void {
    const bytes = this.uart.outputRing.drain();
    if (bytes.length > 0) {
      this.output += String.fromCharCode(...bytes);
      this.uart.poll();
    }
  }
}

/** The global symbols of a little-endian ELF64 image (name to address), read from its .symtab. */
export function elfSymbols(path: string): Map<string, number> {
  const b = readFileSync(path);
  const shoff = Number(b.readBigUInt64LE(0x28));
  const shentsize = b.readUInt16LE(0x3a);
  const shnum = b.readUInt16LE(0x3c);
  const section = (i: number) => {
    const at = shoff + i * shentsize;
    return { type: b.readUInt32LE(at + 4), offset: Number(b.readBigUInt64LE(at + 0x18)), size: Number(b.readBigUInt64LE(at + 0x20)), link: b.readUInt32LE(at + 0x28) };
  };
  const symbols = new Map<string, number>();
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    if (s.type !== 2) continue; // SHT_SYMTAB
    const strtab = section(s.link);
    for (let at = s.offset; at < s.offset + s.size; at += 24) {
      const nameOff = b.readUInt32LE(at);
      if (nameOff === 0) continue;
      const end = b.indexOf(0, strtab.offset + nameOff);
      symbols.set(b.toString('latin1', strtab.offset + nameOff, end), Number(b.readBigUInt64LE(at + 8)));
    }
  }
  return symbols;
}
