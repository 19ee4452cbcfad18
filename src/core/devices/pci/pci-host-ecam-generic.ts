/**
 * A generic PCIe host bridge with ECAM configuration access, as QEMU's `virt` machines have it (QEMU
 * hw/pci-host/gpex.c; device tree binding `pci-host-ecam-generic`): a configuration window where
 * function bus:dev.fn's 4 KiB sit at ((bus - first bus) << 20 | dev << 15 | fn << 12), three address
 * windows (I/O, 32-bit memory, 64-bit memory) through which the CPUs reach the functions' BARs, and
 * four INTx lines to the board's interrupt controller, swizzled by slot: INTx pin p (1..4) of device d
 * on bus 0 drives line (d + p - 1) mod 4 (the interrupt-map QEMU writes for virt).
 *
 * Decode: an access to a window reaches the function whose BAR of that space contains it, provided the
 * function's command register enables the space; a BAR the guest rewrites moves with it. Nothing
 * answering reads all-ones and drops writes (a master abort), as an unclaimed access on real hardware
 * does. A memory BAR placed outside the memory windows (over RAM, say) cannot be reached through them;
 * it is reported, naming the function and address, once per placement.
 *
 * State: the configuration spaces live in the caller's bytes (the machine's shared buffer), and a
 * line's level is computed from the functions' Interrupt Status bits, so a host built in every thread
 * over the same bytes agrees with itself. The host bridge itself is function 00:00.0 (QEMU's Red Hat
 * 1b36:0008, class 06 00 00).
 *
 * Left out: buses behind bridges (only bus 0 decodes; a type 1 function's windows are registers),
 * peer-to-peer DMA, configuration access through I/O ports (CF8/CFC), extended capabilities, hot plug.
 */
import type { IrqSink, MmioDevice, RegisterDef } from '../../bus/types';
import { DmaPort, type DmaMemory, type Iommu, identityIommu } from '../../bus/dma';
import { noMsiSink, type MsiSink } from '../../bus/msi';
import { PCI_CONFIG_BYTES, PCI_TYPE0_REGISTERS, PciConfigSpace, PciReg, type PciDecodedBar } from './pci-config-space';
import { type Bdf, type PciEndpoint, type PciSlot, bdfOf, formatBdf } from './pci-endpoint';

/** A CPU window of the host: `cpuBase` in the CPU's address space is `pciBase` on the PCI bus. */
export interface PciHostWindow {
  readonly cpuBase: number;
  readonly pciBase: number;
  readonly size: number;
}

export interface PciHostOptions {
  /** First and last bus number the ECAM window covers. */
  readonly busRange: readonly [number, number];
  readonly io: PciHostWindow;
  readonly mem32: PciHostWindow;
  readonly mem64?: PciHostWindow;
  /** The board lines of INTA..INTD at slot 0 (QEMU virt riscv64: PLIC sources 32..35). */
  readonly intxLines: readonly [number, number, number, number];
  readonly irqSink: IrqSink;
  /** What DMA reaches (the machine's address space) and the IOMMU hook in front of it. */
  readonly dmaMemory: DmaMemory;
  readonly iommu?: Iommu;
  readonly msi?: MsiSink;
  /** A guest error: an unclaimed access, a BAR outside the windows, a DMA refusal. */
  readonly onReport?: (message: string) => void;
}

/** QEMU's generic PCIe host bridge identity (hw/pci-host/gpex.c: PCI_VENDOR_ID_REDHAT, PCI_DEVICE_ID_REDHAT_PCIE_HOST). */
export const GPEX_VENDOR_ID = 0x1b36;
export const GPEX_DEVICE_ID = 0x0008;

/** The bytes one function's configuration space takes in the shared buffer. */
export const PCI_FUNCTION_STATE_BYTES = PCI_CONFIG_BYTES;

/** The host bridge function 00:00.0: no BARs, no interrupt. */
export class PciHostBridgeFunction implements PciEndpoint {
  readonly name = 'pcie-host-bridge';
  readonly config: PciConfigSpace;

  constructor(bytes: Uint8Array) {
    this.config = new PciConfigSpace({ vendorId: GPEX_VENDOR_ID, deviceId: GPEX_DEVICE_ID, revision: 0, classCode: 0x06_00_00, headerType: 0, interruptPin: 0, bars: [] }, bytes);
  }

  plug(): void {}
  barRead(): number {
    return 0xffff_ffff;
  }
  barWrite(): void {}
  reset(): void {}
}

interface Plugged {
  readonly bdf: Bdf;
  readonly endpoint: PciEndpoint;
  /** The board line its INTx pin reaches (after the swizzle), or undefined without a pin. */
  readonly line: number | undefined;
}

const hex = (n: number): string => '0x' + n.toString(16);
const allOnes = (size: 1 | 2 | 4): number => (size === 4 ? 0xffff_ffff : (1 << (8 * size)) - 1);

export class PciHostEcamGeneric {
  readonly kind = 'pci-host-ecam-generic';
  private readonly functions = new Map<Bdf, Plugged>();
  /** Placements already reported as unreachable ("bdf/bar/base"), so a report is made once. */
  private readonly reportedPlacements = new Set<string>();
  /** The configuration window (ECAM), relative to its base. */
  readonly ecam: MmioDevice;
  readonly ioWindow: MmioDevice;
  readonly mem32Window: MmioDevice;
  readonly mem64Window: MmioDevice | undefined;

  constructor(private readonly options: PciHostOptions) {
    const [first, last] = options.busRange;
    if (!(Number.isInteger(first) && Number.isInteger(last) && first >= 0 && last <= 0xff && first <= last)) throw new Error(`pci-host-ecam: bus range ${first}..${last} is not inside 0..255`);
    this.ecam = this.configWindow();
    this.ioWindow = this.addressWindow('io', options.io);
    this.mem32Window = this.addressWindow('memory', options.mem32);
    this.mem64Window = options.mem64 ? this.addressWindow('memory', options.mem64) : undefined;
  }

  /** Plugs a function in at bus 0 (device, function); its configuration bytes must already hold its state. */
  plug(device: number, fn: number, endpoint: PciEndpoint): Bdf {
    if (!(Number.isInteger(device) && device >= 0 && device < 32 && Number.isInteger(fn) && fn >= 0 && fn < 8)) throw new Error(`pci-host-ecam: no slot ${device}.${fn} on a PCI bus`);
    const bdf = bdfOf(this.options.busRange[0], device, fn);
    if (this.functions.has(bdf)) throw new Error(`pci-host-ecam: ${formatBdf(bdf)} is taken by ${this.functions.get(bdf)!.endpoint.name}`);
    const pin = endpoint.config.spec.interruptPin;
    const line = pin >= 1 && pin <= 4 ? this.options.intxLines[(device + pin - 1) % 4] : undefined;
    this.functions.set(bdf, { bdf, endpoint, line });
    const name = `${endpoint.name} ${formatBdf(bdf)}`;
    const host = this;
    const config = endpoint.config;
    const busMasterIommu: Iommu = {
      translate(requester, address, length, access) {
        if (!config.busMaster) return { refused: 'Bus Master Enable is off in its command register' };
        return (host.options.iommu ?? identityIommu).translate(requester, address, length, access);
      },
    };
    const slot: PciSlot = {
      bdf,
      setIntx: (level) => {
        config.setInterruptStatus(level);
        this.updateLine(line);
      },
      // The requester's zone is the IOMMU's answer when it has one (the owner changes as zones start and stop).
      dma: new DmaPort(this.options.dmaMemory, { get zone() { return host.options.iommu?.zoneOf?.(bdf) ?? 0; }, device: name, streamId: bdf }, { iommu: busMasterIommu, onFault: (fault) => this.report(fault.message) }),
      msi: this.options.msi ?? noMsiSink,
      report: (message) => this.report(`${name}: ${message}`),
    };
    endpoint.plug(slot);
    return bdf;
  }

  /** The function at a BDF, for the inspector and tests. */
  functionAt(bdf: Bdf): PciEndpoint | undefined {
    return this.functions.get(bdf)?.endpoint;
  }

  get plugged(): readonly { bdf: Bdf; endpoint: PciEndpoint; line: number | undefined }[] {
    return [...this.functions.values()];
  }

  /** Machine reset: every configuration space to its power-on values, every function's state, lines low. */
  reset(): void {
    for (const f of this.functions.values()) {
      f.endpoint.config.reset();
      f.endpoint.reset();
    }
    this.reportedPlacements.clear();
    for (const line of new Set(this.options.intxLines)) this.options.irqSink.setLevel(line, false);
  }

  /** Where BAR `index` of `bdf` decodes now, if it does. */
  decodedBar(bdf: Bdf, index: number): PciDecodedBar | undefined {
    return this.functions.get(bdf)?.endpoint.config.decodedBars().find((b) => b.index === index);
  }

  private report(message: string): void {
    this.options.onReport?.(message);
  }

  /** A line is high while any function swizzled onto it asserts INTx and has it enabled. */
  private updateLine(line: number | undefined): void {
    if (line === undefined) return;
    let level = false;
    for (const f of this.functions.values()) {
      if (f.line !== line) continue;
      const config = f.endpoint.config;
      if (config.intxEnabled && (config.u16(PciReg.status) & 0x8) !== 0) level = true;
    }
    this.options.irqSink.setLevel(line, level);
  }

  private locate(offset: number): { plugged: Plugged | undefined; register: number } {
    const bus = this.options.busRange[0] + Math.floor(offset / 0x10_0000);
    const devfn = (offset >>> 12) & 0xff;
    const register = offset & 0xfff;
    // Only bus 0 exists behind this host (no bridges): other buses have no functions.
    return { plugged: this.functions.get((bus << 8) | devfn), register };
  }

  private configWindow(): MmioDevice {
    const host = this;
    const registers: readonly RegisterDef[] = PCI_TYPE0_REGISTERS;
    return {
      kind: 'pci-host-ecam-generic',
      registers,
      read(offset, size) {
        const { plugged, register } = host.locate(offset);
        if (!plugged) return allOnes(size);
        return plugged.endpoint.config.read(register, size);
      },
      write(offset, size, value) {
        const { plugged, register } = host.locate(offset);
        if (!plugged) return;
        const config = plugged.endpoint.config;
        config.write(register, size, value);
        plugged.endpoint.configWritten?.(register, size);
        if (register < PciReg.bar0 + 24 && register + size > PciReg.command) host.afterDecodeChange(plugged);
      },
      reset: () => host.reset(),
      peek() {
        const out: Record<string, number> = {};
        for (const f of host.functions.values()) {
          const c = f.endpoint.config;
          const at = formatBdf(f.bdf);
          out[`${at} VendorID`] = c.u16(PciReg.vendorId);
          out[`${at} DeviceID`] = c.u16(PciReg.deviceId);
          out[`${at} Command`] = c.u16(PciReg.command);
          out[`${at} Status`] = c.u16(PciReg.status);
          for (const bar of c.spec.bars) out[`${at} BAR${bar.index}`] = c.u32(PciReg.bar0 + 4 * bar.index);
        }
        return out;
      },
    };
  }

  /** The command register or a BAR changed: lines follow Interrupt Disable, misplaced BARs are reported. */
  private afterDecodeChange(plugged: Plugged): void {
    this.updateLine(plugged.line);
    for (const bar of plugged.endpoint.config.decodedBars()) {
      if (bar.space !== 'memory') continue;
      const inside = [this.options.mem32, this.options.mem64].some((w) => w && bar.base >= w.pciBase && bar.base + bar.size <= w.pciBase + w.size);
      if (inside) continue;
      const key = `${plugged.bdf}/${bar.index}/${bar.base}`;
      if (this.reportedPlacements.has(key)) continue;
      this.reportedPlacements.add(key);
      this.report(`${plugged.endpoint.name} ${formatBdf(plugged.bdf)}: BAR ${bar.index} at ${hex(bar.base)} (${hex(bar.size)} bytes) lies outside the host's memory windows; it decodes nowhere`);
    }
  }

  private addressWindow(space: 'io' | 'memory', window: PciHostWindow): MmioDevice {
    const host = this;
    const find = (offset: number, size: number): { endpoint: PciEndpoint; bar: number; offset: number } | undefined => {
      const address = window.pciBase + offset;
      for (const f of host.functions.values()) {
        for (const bar of f.endpoint.config.decodedBars()) {
          if (bar.space === space && address >= bar.base && address + size <= bar.base + bar.size) return { endpoint: f.endpoint, bar: bar.index, offset: address - bar.base };
        }
      }
      return undefined;
    };
    return {
      kind: `pci-host-ecam-generic.${space}`,
      registers: [],
      read(offset, size) {
        const hit = find(offset, size);
        return hit ? hit.endpoint.barRead(hit.bar, hit.offset, size) : allOnes(size);
      },
      write(offset, size, value) {
        const hit = find(offset, size);
        if (hit) hit.endpoint.barWrite(hit.bar, hit.offset, size, value);
      },
      reset() {},
      peek: () => ({}),
    };
  }
}
