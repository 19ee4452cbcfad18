/**
 * The configuration space of one PCI Express function (PCI Local Bus 3.0 chapter 6, PCIe Base 4.0
 * section 7.5): 4 KiB, the first 256 bytes PCI-compatible (a type 0 endpoint header or a type 1 bridge
 * header, then the capability list), the rest the extended space. The state lives in a caller-given
 * array (a window of the machine's shared buffer, so every thread sees one function) as the difference
 * (XOR) from the power-on values, so that all-zero fresh shared memory is the reset state and building
 * the object in another thread touches nothing (create-devices.ts). What each bit does on a write is
 * data built once per function: a write mask (writable bits), a write-1-to-clear mask, everything
 * else read-only.
 *
 * Modelled: BAR sizing (the writable bits of a BAR are exactly its address bits above its size, so
 * writing all-ones and reading back gives ~(size - 1) | type bits), 64-bit BARs (the upper dword fully
 * writable), prefetchable and I/O BARs, the command register's decode and bus-master enables, the
 * status register's capability-list and interrupt bits, INTx pin (read-only) and line (scratch),
 * a capability list linked from 0x34, and an empty extended space (0x100 reads 0: no extended
 * capability).
 *
 * Left out: expansion ROM BARs (reads 0, not writable), parity and SERR reporting, the type 1
 * header's forwarding (a bridge's windows are registers here; the host decodes only bus 0), extended
 * capabilities (AER, SR-IOV, ATS).
 */
import type { RegisterDef } from '../../bus/types';

export const PCI_CONFIG_BYTES = 4096;
export const PCI_COMPATIBLE_BYTES = 256;

export const PciReg = {
  vendorId: 0x00,
  deviceId: 0x02,
  command: 0x04,
  status: 0x06,
  revision: 0x08,
  classCode: 0x09,
  cacheLineSize: 0x0c,
  latencyTimer: 0x0d,
  headerType: 0x0e,
  bist: 0x0f,
  bar0: 0x10,
  subsystemVendorId: 0x2c,
  subsystemId: 0x2e,
  expansionRom: 0x30,
  capabilitiesPointer: 0x34,
  interruptLine: 0x3c,
  interruptPin: 0x3d,
  // Type 1 (bridge) header.
  primaryBus: 0x18,
  secondaryBus: 0x19,
  subordinateBus: 0x1a,
  ioBase: 0x1c,
  memoryBase: 0x20,
  prefetchBase: 0x24,
  prefetchBaseUpper: 0x28,
  prefetchLimitUpper: 0x2c,
  ioBaseUpper: 0x30,
  bridgeExpansionRom: 0x38,
  bridgeControl: 0x3e,
} as const;

export const PciCommand = {
  ioSpace: 1 << 0,
  memorySpace: 1 << 1,
  busMaster: 1 << 2,
  parityError: 1 << 6,
  serr: 1 << 8,
  interruptDisable: 1 << 10,
} as const;

export const PciStatus = {
  interrupt: 1 << 3,
  capabilitiesList: 1 << 4,
} as const;

/** Status bits a write of 1 clears (parity, aborts, SERR): PCI 3.0 section 6.2.3. */
const STATUS_W1C = 0xf900;
const COMMAND_WRITABLE = PciCommand.ioSpace | PciCommand.memorySpace | PciCommand.busMaster | PciCommand.parityError | PciCommand.serr | PciCommand.interruptDisable;

export const PciCapabilityId = { powerManagement: 0x01, msi: 0x05, vendorSpecific: 0x09, pciExpress: 0x10, msix: 0x11 } as const;

/** A BAR as the function declares it: what it decodes, never where (the guest programs that). */
export interface PciBarSpec {
  /** BAR register index 0..5 (a 64-bit BAR also takes index + 1). */
  readonly index: number;
  readonly kind: 'memory32' | 'memory64' | 'io';
  /** A power of two: at least 16 bytes for memory, 4 for I/O. */
  readonly size: number;
  readonly prefetchable?: boolean;
}

/** The identity and layout of a function, from which its configuration space is built. */
export interface PciFunctionSpec {
  readonly vendorId: number;
  readonly deviceId: number;
  readonly revision: number;
  /** Base class, sub-class, programming interface as one 24-bit number (0x010000: SCSI storage). */
  readonly classCode: number;
  readonly headerType: 0 | 1;
  readonly multiFunction?: boolean;
  readonly subsystemVendorId?: number;
  readonly subsystemId?: number;
  /** INTx pin 1..4 (INTA..INTD), 0 for none. */
  readonly interruptPin: number;
  /** Type 0: up to six BARs; type 1: up to two (index 0, 1). */
  readonly bars: readonly PciBarSpec[];
}

/** A capability to link into the list: its id, its body (after the id and next bytes) and which body bits are writable. */
export interface PciCapabilitySpec {
  readonly id: number;
  /** Bytes after the two-byte header. */
  readonly body: Uint8Array;
  /** Writable bits of the body, byte for byte (missing bytes: read-only). */
  readonly writeMask?: Uint8Array;
}

/** A BAR the function decodes now (its command enable is on): the address the guest placed it at. */
export interface PciDecodedBar {
  readonly index: number;
  readonly space: 'memory' | 'io';
  readonly base: number;
  readonly size: number;
}

const isPowerOfTwo = (n: number): boolean => Number.isSafeInteger(n) && n > 0 && 2 ** Math.round(Math.log2(n)) === n;

export class PciConfigSpace {
  private readonly writeMask = new Uint8Array(PCI_CONFIG_BYTES);
  private readonly clearMask = new Uint8Array(PCI_CONFIG_BYTES);
  private readonly resetBytes = new Uint8Array(PCI_CONFIG_BYTES);
  private readonly barsByIndex: (PciBarSpec | undefined)[] = [];
  /** Next free offset for a capability (dword aligned, inside the compatible space). */
  private nextCapability = 0x40;
  private lastCapability = -1;
  /** Offsets of the linked capabilities, by id (the first of each id). */
  readonly capabilities = new Map<number, number>();

  /**
   * @param bytes the function's 4 KiB of shared state (zero = power-on values); building the object
   *   does not touch it.
   */
  constructor(
    readonly spec: PciFunctionSpec,
    readonly bytes: Uint8Array,
  ) {
    if (bytes.length < PCI_CONFIG_BYTES) throw new Error(`PCI function ${hex(spec.vendorId)}:${hex(spec.deviceId)}: its configuration space needs ${PCI_CONFIG_BYTES} bytes, got ${bytes.length}`);
    const r = this.resetBytes;
    const set = (offset: number, size: number, value: number, writable = 0, clear = 0) => {
      for (let i = 0; i < size; i++) {
        r[offset + i] = (value >>> (8 * i)) & 0xff;
        this.writeMask[offset + i] = (writable >>> (8 * i)) & 0xff;
        this.clearMask[offset + i] = (clear >>> (8 * i)) & 0xff;
      }
    };
    set(PciReg.vendorId, 2, spec.vendorId);
    set(PciReg.deviceId, 2, spec.deviceId);
    set(PciReg.command, 2, 0, COMMAND_WRITABLE);
    set(PciReg.status, 2, 0, 0, STATUS_W1C);
    set(PciReg.revision, 1, spec.revision);
    set(PciReg.classCode, 3, spec.classCode);
    set(PciReg.cacheLineSize, 1, 0, 0xff);
    set(PciReg.headerType, 1, spec.headerType | (spec.multiFunction ? 0x80 : 0));
    set(PciReg.interruptLine, 1, 0xff, 0xff);
    set(PciReg.interruptPin, 1, spec.interruptPin);
    if (spec.headerType === 0) {
      set(PciReg.subsystemVendorId, 2, spec.subsystemVendorId ?? 0);
      set(PciReg.subsystemId, 2, spec.subsystemId ?? 0);
    } else {
      // Bus numbers, secondary latency, I/O and memory windows, bridge control: registers the
      // enumerating software owns (PCI-to-PCI Bridge 1.2 section 3.2).
      set(PciReg.primaryBus, 4, 0, 0xff_ffff);
      set(PciReg.ioBase, 2, 0x0101, 0xf0f0);
      set(PciReg.memoryBase, 4, 0, 0xfff0_fff0);
      set(PciReg.prefetchBase, 4, 0x0001_0001, 0xfff0_fff0);
      set(PciReg.prefetchBaseUpper, 4, 0, 0xffff_ffff);
      set(PciReg.prefetchLimitUpper, 4, 0, 0xffff_ffff);
      set(PciReg.ioBaseUpper, 4, 0, 0xffff_ffff);
      set(PciReg.bridgeControl, 2, 0, 0x0fff);
    }
    const maxBars = spec.headerType === 0 ? 6 : 2;
    for (const bar of spec.bars) {
      const words = bar.kind === 'memory64' ? 2 : 1;
      const min = bar.kind === 'io' ? 4 : 16;
      if (!Number.isInteger(bar.index) || bar.index < 0 || bar.index + words > maxBars) throw new Error(`PCI function ${hex(spec.vendorId)}:${hex(spec.deviceId)}: BAR ${bar.index} does not fit a type ${spec.headerType} header`);
      if (this.barsByIndex[bar.index] || (words === 2 && this.barsByIndex[bar.index + 1])) throw new Error(`PCI function ${hex(spec.vendorId)}:${hex(spec.deviceId)}: BAR ${bar.index} declared twice`);
      if (!isPowerOfTwo(bar.size) || bar.size < min || (bar.kind !== 'memory64' && bar.size > 0x8000_0000)) throw new Error(`PCI function ${hex(spec.vendorId)}:${hex(spec.deviceId)}: BAR ${bar.index} size ${hex(bar.size)} is not a power of two in range`);
      this.barsByIndex[bar.index] = bar;
      if (words === 2) this.barsByIndex[bar.index + 1] = bar;
      const offset = PciReg.bar0 + 4 * bar.index;
      const typeBits = bar.kind === 'io' ? 0x1 : (bar.kind === 'memory64' ? 0x4 : 0) | (bar.prefetchable ? 0x8 : 0);
      const low = bar.size >= 0x1_0000_0000 ? 0 : (~(bar.size - 1) >>> 0) & (bar.kind === 'io' ? 0xffff_fffc : 0xffff_fff0);
      set(offset, 4, typeBits, low);
      if (words === 2) {
        const high = bar.size > 0x1_0000_0000 ? (~(bar.size / 0x1_0000_0000 - 1) >>> 0) : 0xffff_ffff;
        set(offset + 4, 4, 0, high);
      }
    }
  }

  /** Links a capability at the next free offset; returns its offset. Done while building, before reset(). */
  addCapability(capability: PciCapabilitySpec): number {
    const offset = this.nextCapability;
    const length = 2 + capability.body.length;
    if (offset + length > PCI_COMPATIBLE_BYTES) throw new Error(`PCI function ${hex(this.spec.vendorId)}:${hex(this.spec.deviceId)}: capability ${hex(capability.id)} does not fit the 256-byte space`);
    this.resetBytes[offset] = capability.id;
    this.resetBytes[offset + 1] = 0;
    this.resetBytes.set(capability.body, offset + 2);
    if (capability.writeMask) this.writeMask.set(capability.writeMask.subarray(0, capability.body.length), offset + 2);
    if (this.lastCapability < 0) {
      this.resetBytes[PciReg.capabilitiesPointer] = offset;
      this.resetBytes[PciReg.status] = (this.resetBytes[PciReg.status] ?? 0) | PciStatus.capabilitiesList;
    } else {
      this.resetBytes[this.lastCapability + 1] = offset;
    }
    if (!this.capabilities.has(capability.id)) this.capabilities.set(capability.id, offset);
    this.lastCapability = offset;
    this.nextCapability = (offset + length + 3) & ~3;
    return offset;
  }

  /** Power-on values (command 0: no decode, no bus mastering). */
  reset(): void {
    this.bytes.fill(0);
  }

  /** A configuration read of 1, 2 or 4 bytes; offsets past 4 KiB and unaligned accesses read all-ones. */
  read(offset: number, size: 1 | 2 | 4): number {
    if (!aligned(offset, size)) return size === 4 ? 0xffff_ffff : (1 << (8 * size)) - 1;
    let value = 0;
    for (let i = size - 1; i >= 0; i--) value = value * 256 + this.byte(offset + i);
    return value;
  }

  /** A configuration write: writable bits take the value, write-1-to-clear bits clear, the rest stay. */
  write(offset: number, size: 1 | 2 | 4, value: number): void {
    if (!aligned(offset, size)) return;
    for (let i = 0; i < size; i++) {
      const at = offset + i;
      const byte = Math.floor(value / 2 ** (8 * i)) & 0xff;
      const mask = this.writeMask[at]!;
      const current = this.byte(at);
      this.setByte(at, ((current & ~mask) | (byte & mask)) & ~(byte & this.clearMask[at]!));
    }
  }

  private byte(at: number): number {
    return this.bytes[at]! ^ this.resetBytes[at]!;
  }

  private setByte(at: number, value: number): void {
    this.bytes[at] = value ^ this.resetBytes[at]!;
  }

  u16(offset: number): number {
    return this.byte(offset) | (this.byte(offset + 1) << 8);
  }

  u32(offset: number): number {
    return (this.byte(offset) | (this.byte(offset + 1) << 8) | (this.byte(offset + 2) << 16) | (this.byte(offset + 3) << 24)) >>> 0;
  }

  get command(): number {
    return this.u16(PciReg.command);
  }

  /** Sets or clears the status register's Interrupt Status bit (the function's INTx input). */
  setInterruptStatus(level: boolean): void {
    const at = PciReg.status;
    this.setByte(at, level ? this.byte(at) | PciStatus.interrupt : this.byte(at) & ~PciStatus.interrupt);
  }

  /** Whether the function may assert INTx now (pin present, Interrupt Disable clear). */
  get intxEnabled(): boolean {
    return this.spec.interruptPin !== 0 && (this.command & PciCommand.interruptDisable) === 0;
  }

  /** The BAR declared at `index` (also the upper index of a 64-bit BAR). */
  barSpec(index: number): PciBarSpec | undefined {
    return this.barsByIndex[index];
  }

  /** The address the guest programmed into a BAR (the base, type bits masked off). */
  barAddress(bar: PciBarSpec): number {
    const offset = PciReg.bar0 + 4 * bar.index;
    const low = this.u32(offset);
    if (bar.kind === 'io') return (low & 0xffff_fffc) >>> 0;
    const base = (low & 0xffff_fff0) >>> 0;
    return bar.kind === 'memory64' ? this.u32(offset + 4) * 0x1_0000_0000 + base : base;
  }

  /** The BARs that decode now: memory BARs while Memory Space is on, I/O BARs while I/O Space is on. */
  decodedBars(): PciDecodedBar[] {
    const command = this.command;
    const out: PciDecodedBar[] = [];
    for (const bar of this.spec.bars) {
      const space = bar.kind === 'io' ? 'io' : 'memory';
      if (!(command & (space === 'io' ? PciCommand.ioSpace : PciCommand.memorySpace))) continue;
      out.push({ index: bar.index, space, base: this.barAddress(bar), size: bar.size });
    }
    return out;
  }

  /** Bus mastering (DMA, MSI writes) is allowed. */
  get busMaster(): boolean {
    return (this.command & PciCommand.busMaster) !== 0;
  }
}

/** PCI Express device/port types (PCIe Base 4.0 section 7.5.3.2) this model uses. */
export const PcieDeviceType = { endpoint: 0x0, rootComplexIntegratedEndpoint: 0x9 } as const;

/**
 * A PCI Express Capability structure, version 2 (PCIe Base 4.0 section 7.5.3), for a function without
 * a link: capabilities (version, device/port type), Device Capabilities with role-based error
 * reporting and a 128-byte max payload, a writable Device Control and Device Control 2, everything
 * else zero. A function that has it is a PCIe function to the OS, which then reads the extended space
 * from 0x100. QEMU gives functions on a PCIe root bus the Root Complex Integrated Endpoint type
 * (hw/pci/pcie.c pcie_endpoint_cap_init).
 */
export function pciExpressCapability(deviceType: number): PciCapabilitySpec {
  const body = new Uint8Array(0x3c - 2);
  const view = new DataView(body.buffer);
  view.setUint16(0, 2 | (deviceType << 4), true);
  view.setUint32(2, 1 << 15, true);
  const writeMask = new Uint8Array(body.length);
  // Device Control (0x08) and Device Control 2 (0x28), as offsets into the body (after id and next).
  writeMask.set([0xff, 0x7f], 0x08 - 2);
  writeMask.set([0xff, 0xff], 0x28 - 2);
  return { id: PciCapabilityId.pciExpress, body, writeMask };
}

function aligned(offset: number, size: number): boolean {
  return Number.isInteger(offset) && offset >= 0 && offset + size <= PCI_CONFIG_BYTES && offset % size === 0;
}

const hex = (n: number): string => '0x' + n.toString(16);

const COMMON_HEADER: readonly RegisterDef[] = [
  { name: 'VendorID', offset: PciReg.vendorId, width: 2, access: 'ro', reset: 0 },
  { name: 'DeviceID', offset: PciReg.deviceId, width: 2, access: 'ro', reset: 0 },
  {
    name: 'Command', offset: PciReg.command, width: 2, access: 'rw', reset: 0,
    fields: [
      { name: 'IO', lsb: 0, width: 1, description: 'I/O space decode' },
      { name: 'MEM', lsb: 1, width: 1, description: 'Memory space decode' },
      { name: 'BME', lsb: 2, width: 1, description: 'Bus master (DMA, MSI)' },
      { name: 'PERR', lsb: 6, width: 1 },
      { name: 'SERR', lsb: 8, width: 1 },
      { name: 'INTXD', lsb: 10, width: 1, description: 'INTx disable' },
    ],
  },
  {
    name: 'Status', offset: PciReg.status, width: 2, access: 'w1c', reset: 0,
    fields: [
      { name: 'INTS', lsb: 3, width: 1, description: 'INTx asserted (read-only)' },
      { name: 'CAPL', lsb: 4, width: 1, description: 'Capability list present (read-only)' },
      { name: 'MDPE', lsb: 8, width: 1 }, { name: 'STA', lsb: 11, width: 1 }, { name: 'RTA', lsb: 12, width: 1 },
      { name: 'RMA', lsb: 13, width: 1 }, { name: 'SSE', lsb: 14, width: 1 }, { name: 'DPE', lsb: 15, width: 1 },
    ],
  },
  { name: 'RevisionID', offset: PciReg.revision, width: 1, access: 'ro', reset: 0 },
  { name: 'ClassCode', offset: PciReg.classCode, width: 1, access: 'ro', reset: 0, description: 'Programming interface; sub-class and base class follow at 0x0a, 0x0b' },
  { name: 'CacheLineSize', offset: PciReg.cacheLineSize, width: 1, access: 'rw', reset: 0 },
  { name: 'HeaderType', offset: PciReg.headerType, width: 1, access: 'ro', reset: 0, fields: [{ name: 'TYPE', lsb: 0, width: 7 }, { name: 'MF', lsb: 7, width: 1 }] },
  { name: 'CapabilitiesPointer', offset: PciReg.capabilitiesPointer, width: 1, access: 'ro', reset: 0 },
  { name: 'InterruptLine', offset: PciReg.interruptLine, width: 1, access: 'rw', reset: 0xff, description: 'Scratch for software; the wiring is the host bridge\u2019s interrupt-map' },
  { name: 'InterruptPin', offset: PciReg.interruptPin, width: 1, access: 'ro', reset: 0, description: '1..4 = INTA..INTD' },
];

/** The type 0 (endpoint) header as data for the inspector and the tests. */
export const PCI_TYPE0_REGISTERS: readonly RegisterDef[] = ([
  ...COMMON_HEADER,
  { name: 'BAR', offset: PciReg.bar0, width: 4, access: 'rw', reset: 0, count: 6, stride: 4, description: 'Writable bits = address bits above the BAR size', fields: [{ name: 'IO', lsb: 0, width: 1 }, { name: 'TYPE', lsb: 1, width: 2, description: '0 = 32-bit, 2 = 64-bit' }, { name: 'PREF', lsb: 3, width: 1 }] },
  { name: 'SubsystemVendorID', offset: PciReg.subsystemVendorId, width: 2, access: 'ro', reset: 0 },
  { name: 'SubsystemID', offset: PciReg.subsystemId, width: 2, access: 'ro', reset: 0 },
  { name: 'ExpansionROM', offset: PciReg.expansionRom, width: 4, access: 'ro', reset: 0 },
] satisfies RegisterDef[]).sort((a, b) => a.offset - b.offset);

/** The type 1 (PCI-to-PCI bridge) header as data. */
export const PCI_TYPE1_REGISTERS: readonly RegisterDef[] = ([
  ...COMMON_HEADER,
  { name: 'BAR', offset: PciReg.bar0, width: 4, access: 'rw', reset: 0, count: 2, stride: 4 },
  { name: 'PrimaryBus', offset: PciReg.primaryBus, width: 1, access: 'rw', reset: 0 },
  { name: 'SecondaryBus', offset: PciReg.secondaryBus, width: 1, access: 'rw', reset: 0 },
  { name: 'SubordinateBus', offset: PciReg.subordinateBus, width: 1, access: 'rw', reset: 0 },
  { name: 'IOBaseLimit', offset: PciReg.ioBase, width: 2, access: 'rw', reset: 0x0101 },
  { name: 'MemoryBaseLimit', offset: PciReg.memoryBase, width: 4, access: 'rw', reset: 0 },
  { name: 'PrefetchBaseLimit', offset: PciReg.prefetchBase, width: 4, access: 'rw', reset: 0x0001_0001 },
  { name: 'PrefetchBaseUpper', offset: PciReg.prefetchBaseUpper, width: 4, access: 'rw', reset: 0 },
  { name: 'PrefetchLimitUpper', offset: PciReg.prefetchLimitUpper, width: 4, access: 'rw', reset: 0 },
  { name: 'IOBaseLimitUpper', offset: PciReg.ioBaseUpper, width: 4, access: 'rw', reset: 0 },
  { name: 'BridgeControl', offset: PciReg.bridgeControl, width: 2, access: 'rw', reset: 0 },
] satisfies RegisterDef[]).sort((a, b) => a.offset - b.offset);
