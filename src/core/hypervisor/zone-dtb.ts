/**
 * The device tree a zone sees, derived from its config and the board: only its CPUs, its RAM, the
 * devices its `io` regions pass through, its virtual interrupt controller (the vPLIC naming only its
 * harts' contexts; the vGIC every aarch64 zone has, as hvisor's zone device trees describe it), and
 * reservations for RAM of other zones that lies inside its own (hvisor's root layouts do that on
 * purpose, and the root's tree must keep the root's kernel away from it) and for hvisor's own memory.
 */
import { pciFunctionsOf } from '../devices/pci/pci-host-board';
import type { AddressRange, Board, BoardDevice, DeviceKind } from '../../shared/model/board';
import type { Aarch64ArchConfig, ZoneConfig } from '../../shared/model/zone-config';
import type { BoardTreeInput } from '../fdt/board-dtb';

/** A board device as a zone's tree describes it, or undefined when the zone does not see it. */
type ZoneView = (zone: ZoneConfig, device: BoardDevice, board: Board) => BoardDevice | undefined;

/** A real device the zone reaches through one of its `io` regions (hvisor maps it, nothing traps it). */
const passedThrough: ZoneView = (zone, d) =>
  zone.memoryRegions.some((r) => r.type === 'io' && d.base >= r.physicalStart && d.base + d.size <= r.physicalStart + r.size) ? d : undefined;

/**
 * Whether the zone passes through a device whose interrupt goes to controller `d`: one naming it as
 * interruptParent, or one naming none when `d` is the board's default controller (named by nobody).
 */
function feedsPassedThrough(zone: ZoneConfig, d: BoardDevice, board: Board): boolean {
  const isDefault = d.props?.['interruptParent'] === undefined && !board.devices.some((x) => x.props?.['interruptParent'] === d.name);
  return board.devices.some((x) => x !== d && x.irq !== undefined && passedThrough(zone, x, board) !== undefined &&
    (x.props?.['interruptParent'] === d.name || (isDefault && x.props?.['interruptParent'] === undefined)));
}

/** The zone's GIC config of the version `d` is, or an error naming both. */
function zoneGic<V extends 'v2' | 'v3'>(zone: ZoneConfig, d: BoardDevice, version: V): Extract<Aarch64ArchConfig['gic'], { version: V }> {
  const config = zone.archConfig;
  if (!('gic' in config)) throw new Error(`zone ${zone.zoneId} (${zone.name}): its arch_config has no GIC, but the board's '${d.name}' is ${d.kind}`);
  if (config.gic.version !== version) {
    throw new Error(`zone ${zone.zoneId} (${zone.name}): arch_config gic_version is ${config.gic.version}, but the board's '${d.name}' is ${d.kind}`);
  }
  return config.gic as Extract<Aarch64ArchConfig['gic'], { version: V }>;
}

/** The host without its msi-map when the zone has no ITS (gits_size 0) for it to name. */
function withoutMissingIts(zone: ZoneConfig, d: BoardDevice): BoardDevice {
  if (d.props?.['msiMap'] === undefined) return d;
  const gic = 'gic' in zone.archConfig ? zone.archConfig.gic : undefined;
  if (gic && gic.version === 'v3' && gic.gitsSize > 0) return d;
  const { msiMap: _dropped, ...props } = d.props;
  return { ...d, props };
}

/**
 * The kinds a zone may see; the others never appear in a zone's tree. Passthrough kinds are those with
 * a model a guest can drive (the board's virtio-mmio slots have none: a zone's virtio devices come
 * from virtio_cfg.json).
 */
const ZONE_VIEW: Readonly<Partial<Record<DeviceKind, ZoneView>>> = {
  // hvisor traps the vPLIC window of the zone's arch_config; without one the zone has no PLIC.
  'sifive-plic': (zone, d) => ('plicSize' in zone.archConfig && zone.archConfig.plicSize > 0 ? d : undefined),
  // AIA (hvisor's feature aia): the vAPLIC at the zone's aplic_base, and one compact S file per zone CPU,
  // the pages hvisor's vimsic_init maps the CPUs' guest files at (vimsic.rs:34-52).
  'riscv-aplic': (zone, d) => ('aplicSize' in zone.archConfig && zone.archConfig.aplicSize > 0 ? { ...d, base: zone.archConfig.aplicBase, size: zone.archConfig.aplicSize } : undefined),
  // hvisor puts CPU c's page at imsic_base + 4 KiB * c (physical ids), so the zone's first file is at its
  // first CPU's page; its CPUs must be consecutive, as hvisor's vAPLIC (hart index + first_cpu) assumes too.
  'riscv-imsic': (zone, d) =>
    'aplicSize' in zone.archConfig && zone.archConfig.aplicSize > 0
      ? { ...d, base: d.base + 0x1000 * Math.min(...zone.cpus), size: 0x1000 * zone.cpus.length, props: { ...d.props, guests: 0 } }
      : undefined,
  // Every aarch64 zone has a vGIC: hvisor traps the distributor (and redistributors) at the windows of
  // the zone's arch_config and maps GICV where the zone's GICC window is.
  // The ITS where the zone's gits_base/gits_size put it (hvisor traps it there for every zone,
  // vgic.rs:57-62) when the board's GIC has one; gits_size 0 or no ITS on the board: no ITS node.
  'arm-gicv3': (zone, d) => {
    const gic = zoneGic(zone, d, 'v3');
    const boardIts = typeof d.props?.['itsSize'] === 'number' && d.props['itsSize'] > 0;
    return { ...d, base: gic.gicdBase, size: gic.gicdSize, props: { ...d.props, redistributorBase: gic.gicrBase, redistributorSize: gic.gicrSize, itsBase: gic.gitsBase, itsSize: boardIts ? gic.gitsSize : 0 } };
  },
  'arm-gicv2': (zone, d) => {
    const gic = zoneGic(zone, d, 'v2');
    return {
      ...d, base: gic.gicdBase, size: gic.gicdSize,
      props: { ...d.props, cpuInterfaceBase: gic.giccBase, cpuInterfaceSize: gic.giccSize, hypervisorBase: gic.gichBase, hypervisorSize: gic.gichSize, virtualCpuBase: gic.gicvBase, virtualCpuSize: gic.gicvSize },
    };
  },
  ns16550a: passedThrough,
  // loongarch64: every zone reaches the LIOINTC and the EIOINTC through its IOCSR window (hvisor's
  // 0x1fe0_0000 + 0x3000 MMIO handler, src/arch/loongarch64/zone.rs:95); the 7A2000's PCH-PIC and the
  // PCH-MSI frame where its io regions pass them through, as hvisor's configs do. The LIOINTC only in the
  // root's tree and where the zone passes through a device wired to it (UART0): hvisor's
  // loongson-3a5000.dtsi has it commented out, so its zone trees have none, and a zone's Linux probing it
  // disables every input (irq-loongson-liointc.c writes LIOINTC_REG_INTC_DISABLE = ~0), the root's UART0 too.
  'loongson-liointc': (zone, d, board) => (zone.root || feedsPassedThrough(zone, d, board) ? d : undefined),
  'loongson-eiointc': (_zone, d) => d,
  'loongson-pch-pic': passedThrough,
  'loongson-pch-msi': passedThrough,
  pl011: passedThrough,
  'imx-uart': passedThrough,
  'cadence-uart': passedThrough,
  'dw-apb-uart': passedThrough,
  'goldfish-rtc': passedThrough,
  'isa-io': passedThrough,
  // The PCIe host, when the zone's regions reach its ECAM window: passed through (io) or served by the
  // management side's PCI functions (virtio, decision 0017), or trapped by hvisor's vPCI because the zone's
  // pci_config names this ECAM and the layout puts functions on the host (vpci/vpci.ts; pci_config.rs:318-338).
  // An msi-map naming the ITS only when the zone's tree has one (gits_size not 0).
  'pci-host-ecam': (zone, d) =>
    zone.memoryRegions.some((r) => (r.type === 'io' || r.type === 'virtio') && d.base >= r.physicalStart && d.base + d.size <= r.physicalStart + r.size) ||
    (zone.pciConfig.some((c) => c.ecamBase === d.base) && pciFunctionsOf(d).length > 0)
      ? withoutMissingIts(zone, d)
      : undefined,
  'sifive-test': passedThrough,
};

export interface ZoneTreeExtras {
  readonly bootargs?: string;
  /** Guest-physical range of the initial ramdisk. */
  readonly initrd?: { readonly start: number; readonly end: number };
  /**
   * The zone's virtio-mmio devices (from virtio_cfg.json): guest window and IRQ (PLIC source, GIC INTID;
   * on loongarch64 the ESTAT.IS line, described on the CPU interrupt controller: FdtArch.injectedIrqsOnCpu).
   */
  readonly virtio?: readonly { readonly addr: number; readonly len: number; readonly irq: number }[];
  /** /chosen/rng-seed (BoardTreeInput.rngSeed). */
  readonly rngSeed?: Uint8Array;
}

export function zoneTreeInput(board: Board, zone: ZoneConfig, others: readonly ZoneConfig[], extras: ZoneTreeExtras = {}): BoardTreeInput {
  // Virtio devices live wherever virtio_cfg.json puts them, not only in the board's slots: describe
  // them as devices of a board variant, in place of any slot they cover.
  const virtio: BoardDevice[] = (extras.virtio ?? []).map((d) => ({
    name: `virtio@${d.addr.toString(16)}`,
    kind: 'virtio-mmio',
    base: d.addr,
    size: d.len,
    irq: d.irq,
    // Its IRQ is one hvisor injects into the zone (hypercall 1), however the architecture does that.
    props: { hvisorInjected: true },
  }));
  const covered = (d: BoardDevice): boolean => virtio.some((v) => d.base < v.base + v.size && v.base < d.base + d.size);
  // The zone's view of each device it sees replaces the board's (a vGIC at the zone's windows); the
  // others stay on the board variant, so that a tree leaving out a device's controller says so.
  const seen: BoardDevice[] = [];
  const kept = board.devices.filter((d) => !covered(d)).map((d) => {
    const view = ZONE_VIEW[d.kind]?.(zone, d, board);
    if (view) seen.push(view);
    return view ?? d;
  });
  board = { ...board, devices: [...kept, ...virtio] };
  const ram = zone.memoryRegions.filter((r) => r.type === 'ram');
  const memory: AddressRange[] = ram.map((r) => ({ base: r.virtualStart, size: r.size }));
  const reservations: AddressRange[] = [];
  // hvisor's own memory, where a zone's RAM overlaps it (the qemu-plic root's does): reserved as hvisor's
  // zone0.dts does (reserved-memory "opensbi+hvisor", no-map), so that the guest never allocates it.
  const hv = board.hypervisorReserved;
  for (const mine of ram) {
    const start = Math.max(mine.physicalStart, hv.base);
    const end = Math.min(mine.physicalStart + mine.size, hv.base + hv.size);
    if (start < end) reservations.push({ base: start - mine.physicalStart + mine.virtualStart, size: end - start });
  }
  for (const other of others) {
    if (other.zoneId === zone.zoneId) continue;
    // The root's RAM covers the other zones' RAM on purpose; it is the root that must keep away.
    if (other.root && !zone.root) continue;
    for (const theirs of other.memoryRegions) {
      if (theirs.type !== 'ram') continue;
      for (const mine of ram) {
        const start = Math.max(mine.physicalStart, theirs.physicalStart);
        const end = Math.min(mine.physicalStart + mine.size, theirs.physicalStart + theirs.size);
        if (start < end) reservations.push({ base: start - mine.physicalStart + mine.virtualStart, size: end - start });
      }
    }
  }
  return {
    board,
    harts: [...zone.cpus],
    memory,
    devices: [...seen, ...virtio].map((d) => d.name),
    reservations,
    ...(extras.bootargs ? { bootargs: extras.bootargs } : {}),
    ...(extras.initrd ? { initrd: extras.initrd } : {}),
    ...(extras.rngSeed ? { rngSeed: extras.rngSeed } : {}),
  };
}
