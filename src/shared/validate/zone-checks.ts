/**
 * Checks of zone configurations against the board and against each other: what would make hvisor
 * panic or refuse a zone (4 KiB alignment, overlapping regions, busy CPUs, duplicate ids), and layout
 * mistakes hvisor itself does not catch (two zones sharing RAM, a device or a hardware IRQ; images
 * outside the zone's RAM; a non-root zone given a device the hypervisor owns; passthrough IRQs that
 * never reach the zone). hvisor has no cross-zone overlap check (hvisor-reference.md 1.4), so those
 * findings describe what would go wrong at run time rather than a refusal.
 */
import { ramBanks, type Board, type BoardDevice } from '../model/board';
import {
  PAGE_SIZE,
  type ZoneConfig,
  type ZoneFinding,
  type ZoneMemoryRegion,
  type ZoneRef,
  rootZoneConfig,
  zoneLabel,
} from '../model/zone-config';
import { ARCH_CONFIG_VALIDATORS } from './arch/registry';
import { parseZoneConfig } from './zone-config';
import { checkIvcSet, checkZoneIvc } from './ivc-checks';
import { checkPciAssignments } from './pci-checks';
import type { LayoutPciDevice } from '../model/layout';

const hex = (n: number): string => '0x' + n.toString(16);
const span = (base: number, size: number): string => `${hex(base)}+${hex(size)}`;
const overlaps = (a: number, aSize: number, b: number, bSize: number): boolean => a < b + bSize && b < a + aSize;
const contains = (outer: number, outerSize: number, inner: number, innerSize: number): boolean =>
  inner >= outer && inner + innerSize <= outer + outerSize;

/** Facts about the board that the checks need and the Board type keeps in device props. */
interface BoardFacts {
  readonly irqOwners: ReadonlyMap<number, BoardDevice>;
}

const irqLines = (device: BoardDevice): readonly number[] =>
  device.irq === undefined ? [] : typeof device.irq === 'number' ? [device.irq] : device.irq;

function boardFacts(board: Board): BoardFacts {
  const irqOwners = new Map<number, BoardDevice>();
  for (const device of board.devices) for (const line of irqLines(device)) irqOwners.set(line, device);
  return { irqOwners };
}

/**
 * Board devices hvisor keeps for itself on riscv64: a non-root zone that maps one as `io` reaches
 * hardware shared by every zone. hvisor drives the PLIC (plic/plic.rs) and gives zones a vPLIC, takes
 * the ACLINT for its timers and IPIs (ACLINT_SSWI_BASE in board.rs), and SIFIVE_TEST_BASE powers off
 * the whole machine.
 */
const HYPERVISOR_DEVICES: Partial<Record<BoardDevice['kind'], string>> = {
  'sifive-plic': "could program the physical PLIC: enable, mask or complete other zones' interrupts (the zone gets a vPLIC through arch_config instead)",
  'aclint-mswi': "could raise machine software interrupts on every hart, other zones' included",
  'aclint-mtimer': "could change mtime and the timer compare registers of every hart, other zones' included",
  'aclint-sswi': "could send supervisor software interrupts (IPIs) to other zones' harts",
  'sifive-test': 'could power off or reset the whole machine, every zone with it',
  'riscv-aplic': "could program the physical APLIC: aim, enable or mask other zones' interrupts (the zone gets a vAPLIC through arch_config instead)",
  'riscv-imsic': "could write MSIs into other zones' interrupt files (hvisor maps each zone only its own CPUs' guest files)",
};

/**
 * A region of the root zone that hvisor's board.rs itself declares. What is odd about those (the root
 * RAM starting inside hvisor's memory, virtio slot 7 passed through without its IRQ in HW_IRQS) is
 * hvisor's own choice, which a layout cannot change; the root's generated device tree reserves hvisor's
 * memory and does not list slot 7. So they are not reported; regions a layout adds are.
 */
const fromBoardRs = (zone: ZoneConfig, board: Board, region: ZoneMemoryRegion): boolean =>
  zone.root && board.rootZone.memoryRegions.some((r) => r.type === region.type && r.physicalStart === region.physicalStart && r.size === region.size);

/** hvisor's memory as a range for messages. */
const hypervisorMemory = (board: Board): string =>
  `${hex(board.hypervisorReserved.base)}..${hex(board.hypervisorReserved.base + board.hypervisorReserved.size)}`;

class Findings {
  readonly list: ZoneFinding[] = [];
  constructor(private readonly zone: ZoneConfig) {}
  error(path: string, message: string, zones?: readonly [ZoneRef, ZoneRef]): void {
    this.list.push({ severity: 'error', file: this.zone.source, path, message, ...(zones ? { zones } : {}) });
  }
  warning(path: string, message: string, zones?: readonly [ZoneRef, ZoneRef]): void {
    this.list.push({ severity: 'warning', file: this.zone.source, path, message, ...(zones ? { zones } : {}) });
  }
}

const mapped = (r: ZoneMemoryRegion): boolean => r.type !== 'virtio';

/** Layout options that change what hvisor's checks allow (layout.json's workbench conveniences). */
export interface ZoneCheckOptions {
  /** layout.json `workbenchIvc`: ivc_configs are set up on an architecture where hvisor has no IVC. */
  readonly workbenchIvc?: boolean;
  /**
   * layout.json `pci`: the functions on the board's PCIe host. Given, the zones' alloc_pci_devs are
   * checked against that bus (pci-checks.ts: BDFs not on it, an endpoint in two zones, ECAM windows).
   */
  readonly pci?: readonly LayoutPciDevice[];
}

/** Whether ivc_configs take effect: hvisor's own IVC on this architecture, or the layout's opt-in. */
const ivcOn = (board: Board, options: ZoneCheckOptions): boolean => ARCH_CONFIG_VALIDATORS[board.arch].ivc || options.workbenchIvc === true;

/** Everything that can be said about one zone with only the board at hand. */
/** Where a device answers: its window, and for a PCIe host also its I/O and memory windows (the functions' BARs, e.g. a display's framebuffer). */
function deviceSpans(device: BoardDevice): [number, number][] {
  const spans: [number, number][] = [[device.base, device.size]];
  if (device.kind !== 'pci-host-ecam') return spans;
  for (const [base, size] of [['pioBase', 'pioSize'], ['mmio32Base', 'mmio32Size'], ['mmio64Base', 'mmio64Size']] as const) {
    const b = device.props?.[base];
    const n = device.props?.[size];
    if (typeof b === 'number' && typeof n === 'number') spans.push([b, n]);
  }
  return spans;
}

export function checkZone(zone: ZoneConfig, board: Board, options: ZoneCheckOptions = {}): ZoneFinding[] {
  const out = new Findings(zone);
  const facts = boardFacts(board);
  checkRegions(zone, board, out);
  checkCpus(zone, board, out);
  checkIrqs(zone, board, facts, out);
  checkImages(zone, out);
  // arch_config against the board: the board's architecture's checks (validate/arch/<arch>/).
  ARCH_CONFIG_VALIDATORS[board.arch].check(zone, board, out);
  checkPci(zone, out);
  const doorbell = ARCH_CONFIG_VALIDATORS[board.arch].ivcDoorbell;
  if (ivcOn(board, options)) checkZoneIvc(zone, out, doorbell ? (z, irq) => doorbell(z, irq, board) : undefined);
  else if (zone.ivcConfigs.length > 0) {
    out.warning('ivc_configs', `hvisor has no IVC on ${board.arch} (only aarch64 sets ivc_configs up); these entries are ignored unless the layout opts in to the workbench's IVC ("workbenchIvc": true)`);
  }
  return out.list;
}

function checkRegions(zone: ZoneConfig, board: Board, out: Findings): void {
  const reserved = board.hypervisorReserved;
  zone.memoryRegions.forEach((region, i) => {
    const path = `memory_regions[${i}]`;
    if (mapped(region)) {
      for (const [key, value] of [['physical_start', region.physicalStart], ['virtual_start', region.virtualStart], ['size', region.size]] as const) {
        if (value % PAGE_SIZE !== 0) {
          out.error(`${path}.${key}`, `${hex(value)} is not 4 KiB aligned; hvisor asserts page alignment when it maps a ${region.type} region (MemorySet::insert) and panics`);
        }
      }
    } else if (region.virtualStart !== region.physicalStart) {
      out.warning(`${path}.virtual_start`, `hvisor ignores virtual_start for a virtio region and traps the guest-physical window at physical_start (${hex(region.physicalStart)})`);
    }
    if (region.size === 0) out.warning(`${path}.size`, 'is 0; the region covers nothing');
    if (mapped(region) && overlaps(region.physicalStart, region.size, reserved.base, reserved.size) && !fromBoardRs(zone, board, region)) {
      // A warning, not an error: hvisor's own qemu-plic root RAM (0x83000000) starts inside this range and
      // its zone0.dts keeps Linux away with reserved-memory; the trees the workbench generates do the same.
      out.warning(path, `${region.type} region ${span(region.physicalStart, region.size)} overlaps hvisor's own image, per-CPU areas and frame allocator (at least ${hypervisorMemory(board)}); on hvisor the guest overwrites the hypervisor unless its device tree reserves that range`);
    }
    if (region.type === 'io' && !zone.root) {
      for (const device of board.devices) {
        const risk = HYPERVISOR_DEVICES[device.kind];
        if (risk === undefined || !overlaps(device.base, device.size, region.physicalStart, region.size)) continue;
        out.error(path, `io region ${span(region.physicalStart, region.size)} passes ${board.name}'s ${device.name} (${device.kind} at ${span(device.base, device.size)}) through to a non-root zone; the hypervisor owns that device, and the zone ${risk}`);
      }
    }
    const banks = ramBanks(board);
    if (region.type === 'ram' && !banks.some((bank) => contains(bank.base, bank.size, region.physicalStart, region.size))) {
      const ram = `${board.name}'s RAM ${banks.map((bank) => span(bank.base, bank.size)).join(', ')}`;
      if (banks.some((bank) => overlaps(bank.base, bank.size, region.physicalStart, region.size))) {
        // The board's RAM size follows the layout (ramSize), so a region that reaches past it may be meant for a larger machine.
        out.warning(path, `ram region ${span(region.physicalStart, region.size)} extends past ${ram}; guest accesses beyond its end fault`);
      } else if (fromBoardRs(zone, board, region)) {
        // hvisor's own board.rs declares it: RAM of the real board the workbench's machine does not have.
        out.warning(path, `ram region ${span(region.physicalStart, region.size)} of hvisor's board.rs is outside ${ram} (a workbench machine has at most 2 GiB of RAM); guest accesses there fault`);
      } else {
        out.error(path, `ram region ${span(region.physicalStart, region.size)} is not inside ${ram}`);
      }
    }
    // Windows hvisor's board.rs gives the root onto SoC devices the workbench does not model are hvisor's choice, not the layout's.
    if (region.type === 'io' && !fromBoardRs(zone, board, region) && !board.devices.some((d) => deviceSpans(d).some(([base, size]) => overlaps(base, size, region.physicalStart, region.size)))) {
      out.warning(path, `io region ${span(region.physicalStart, region.size)} covers no device of ${board.name}`);
    }
    for (let j = 0; j < i; j++) {
      const other = zone.memoryRegions[j]!;
      if (!overlaps(region.virtualStart, region.size, other.virtualStart, other.size)) continue;
      const both = `${span(region.virtualStart, region.size)} and ${span(other.virtualStart, other.size)}`;
      if (mapped(region) && mapped(other)) {
        out.error(path, `overlaps memory_regions[${j}] in guest-physical space (${both}); MemorySet::insert refuses it and zone_create panics`);
      } else if (mapped(other) || mapped(region)) {
        out.warning(path, `a virtio window and a mapped region overlap (memory_regions[${j}], ${both}); accesses there hit the mapping and never trap`);
      } else {
        out.warning(path, `overlaps virtio memory_regions[${j}] (${both}); hvisor uses the first region that contains an access`);
      }
    }
  });
}

function checkCpus(zone: ZoneConfig, board: Board, out: Findings): void {
  for (const cpu of zone.cpus) {
    if (cpu >= board.harts) out.error('cpus', `hart ${cpu} does not exist on ${board.name} (harts 0..${board.harts - 1})`);
  }
}

/** Board devices with IRQ lines that the zone's `io` regions pass through, with the region's index. */
function passthroughDevices(zone: ZoneConfig, board: Board): { device: BoardDevice; region: number }[] {
  const found: { device: BoardDevice; region: number }[] = [];
  for (const device of board.devices) {
    if (irqLines(device).length === 0) continue;
    const region = zone.memoryRegions.findIndex((r) => r.type === 'io' && overlaps(device.base, device.size, r.physicalStart, r.size));
    if (region >= 0) found.push({ device, region });
  }
  return found;
}

/**
 * Only the board's HW_IRQS reach a zone from the physical PLIC (hvisor plic/mod.rs irq_bitmap_init
 * marks only those hw; platform/riscv64/qemu-plic/board.rs: "only these irq can be transferred to the
 * physical PLIC"). Any other IRQ is virtual: the vPLIC (1023 sources) delivers whatever the virtio
 * side injects, listed in `interrupts` or not, so only passthrough lines are checked here.
 */
function checkIrqs(zone: ZoneConfig, board: Board, facts: BoardFacts, out: Findings): void {
  const passthrough = passthroughDevices(zone, board);
  const hw = `hvisor's HW_IRQS (${board.hwIrqs.join(', ')})`;
  const warned = new Set<number>();
  for (const irq of zone.interrupts) {
    if (irq === 0) {
      out.error('interrupts', 'IRQ 0 is not an interrupt source (PLIC source 0 is reserved)');
      continue;
    }
    const owner = facts.irqOwners.get(irq);
    // A virtio-mmio slot's number is what zones use for daemon-backed devices, unless the slot itself is passed through.
    const physical = owner !== undefined && (owner.kind !== 'virtio-mmio' || passthrough.some((p) => p.device === owner));
    if (physical && !board.hwIrqs.includes(irq)) {
      warned.add(irq);
      out.warning('interrupts', `IRQ ${irq} is the line of ${board.name}'s ${owner.name}, but it is not in ${hw}, so hvisor never forwards it from the physical PLIC and the device never interrupts the zone`);
    }
  }
  for (const { device, region } of passthrough) {
    if (fromBoardRs(zone, board, zone.memoryRegions[region]!)) continue;
    for (const line of irqLines(device)) {
      if (warned.has(line)) continue;
      if (!board.hwIrqs.includes(line)) {
        out.warning(`memory_regions[${region}]`, `passes ${board.name}'s ${device.name} through, but its IRQ ${line} is not in ${hw}; on hvisor the device never gets an interrupt to this zone`);
      } else if (!zone.interrupts.includes(line)) {
        out.warning(`memory_regions[${region}]`, `passes ${board.name}'s ${device.name} through, but its IRQ ${line} is not in the zone's interrupts; hvisor never enables it for this zone, so the device never interrupts it`);
      }
    }
  }
}

/** The ram region whose root-physical range holds [address, address + size). */
function ramHolding(zone: ZoneConfig, address: number, size: number): ZoneMemoryRegion | undefined {
  return zone.memoryRegions.find((r) => r.type === 'ram' && contains(r.physicalStart, r.size, address, size));
}

function checkImages(zone: ZoneConfig, out: Findings): void {
  // A root zone's images are preloaded by the bootloader; "null" in a JSON file loads nothing.
  const images = [
    { key: 'kernel_load_paddr', what: 'kernel', loaded: zone.root || zone.kernelFilepath !== null, address: zone.kernelLoadPaddr, size: zone.kernelSize },
    { key: 'dtb_load_paddr', what: 'DTB', loaded: zone.root || zone.dtbFilepath !== null, address: zone.dtbLoadPaddr, size: zone.dtbSize },
  ];
  for (const image of images) {
    if (!image.loaded) continue;
    const start = ramHolding(zone, image.address, 1);
    if (!start) {
      out.error(image.key, `${hex(image.address)} is not inside any of the zone's ram regions (root-physical ranges); the ${image.what} would land in memory the zone cannot see`);
    } else if (image.size !== undefined && !ramHolding(zone, image.address, image.size)) {
      out.error(image.key, `the ${image.what} (${hex(image.size)} bytes at ${hex(image.address)}) runs past the end of its ram region ${span(start.physicalStart, start.size)}`);
    }
  }
  if (!zone.root) {
    const addresses = [
      ...images.filter((i) => i.loaded).map((i) => ({ path: i.key, address: i.address })),
      ...zone.modules.map((m, i) => ({ path: `modules[${i}].load_paddr`, address: m.loadPaddr })),
    ];
    for (const { path, address } of addresses) {
      if (address % PAGE_SIZE === 0) continue;
      // hvisor-tool b38e455 (the v0x05 tool of hvisor v0.4) mmaps /dev/mem at the load address and exits
      // when that fails; from 6d64c87 (2026-03) the kernel module copies to any address (driver/hvisor_main.c).
      out.warning(path, `${hex(address)} is not 4 KiB aligned; the hvisor-tool of hvisor v0.4 maps /dev/mem at this address, mmap refuses it and the zone does not start (later tools accept it)`);
    }
  }
  const [kernel, dtb] = images as [(typeof images)[0], (typeof images)[0]];
  if (kernel.loaded && dtb.loaded && kernel.size !== undefined && dtb.size !== undefined &&
      overlaps(kernel.address, kernel.size, dtb.address, dtb.size)) {
    out.error('dtb_load_paddr', `the DTB (${span(dtb.address, dtb.size)}) overlaps the kernel (${span(kernel.address, kernel.size)}); loading one overwrites the other`);
  }
  const entryGpa = ARCH_CONFIG_VALIDATORS[zone.archConfig.arch].entryGuestPhysical?.(zone.entryPoint) ?? zone.entryPoint;
  const entryRegion = zone.memoryRegions.find((r) => r.type === 'ram' && contains(r.virtualStart, r.size, entryGpa, 1));
  if (!entryRegion) {
    out.error('entry_point', `${hex(zone.entryPoint)} is not inside any ram region's guest-physical range; the first instruction fetch would fault`);
    return;
  }
  const kernelRegion = ramHolding(zone, kernel.address, 1);
  if (kernel.loaded && kernel.size !== undefined && kernelRegion) {
    const kernelGpa = kernel.address - kernelRegion.physicalStart + kernelRegion.virtualStart;
    if (!contains(kernelGpa, kernel.size, zone.entryPoint, 1)) {
      out.warning('entry_point', `${hex(zone.entryPoint)} is outside the loaded kernel (guest-physical ${span(kernelGpa, kernel.size)})`);
    }
  }
}

function checkPci(zone: ZoneConfig, out: Findings): void {
  zone.pciConfig.forEach((bus, i) => {
    if (bus.busRangeBegin > bus.busRangeEnd) {
      out.error(`pci_config[${i}].bus_range_end`, `bus range ${bus.busRangeBegin}..${bus.busRangeEnd} is empty (begin is above end)`);
    }
  });
  zone.allocPciDevs.forEach((dev, i) => {
    if (!zone.pciConfig.some((bus) => bus.domain === dev.domain)) {
      out.warning(`alloc_pci_devs[${i}].domain`, `no pci_config entry has domain ${dev.domain}; hvisor attaches devices through the zone's pci_config of their domain`);
    }
  });
}

/** Where one image file (or one ELF segment of it) is written when its zone starts. */
export interface ImagePlacement {
  /** The JSON field that names the file: 'kernel_filepath', 'dtb_filepath', 'modules[0].filepath'. */
  readonly path: string;
  readonly file: string;
  /** Raw images go to a root-physical load address; ELF segments to guest-physical addresses. */
  readonly space: 'root-physical' | 'guest-physical';
  readonly start: number;
  readonly size: number;
}

/** Whether the root-physical range [start, start + size) lies in the union of the regions. */
function coveredByRam(ram: readonly ZoneMemoryRegion[], start: number, size: number): boolean {
  let at = start;
  while (at < start + size) {
    const next = ram.find((r) => at >= r.physicalStart && at < r.physicalStart + r.size);
    if (!next) return false;
    at = next.physicalStart + next.size;
  }
  return true;
}

/**
 * Every byte hvisor-tool writes for a zone must land in that zone's own RAM: anything else is memory of
 * another zone or of the root (hvisor-tool copies blindly, from the root). Also refuses two images
 * that overwrite each other.
 */
export function checkImageFit(zone: ZoneConfig, images: readonly ImagePlacement[]): ZoneFinding[] {
  const out = new Findings(zone);
  const ram = zone.memoryRegions.filter((r) => r.type === 'ram');
  const list = ram.map((r) => span(r.physicalStart, r.size)).join(', ') || 'none';
  const placed: { image: ImagePlacement; start: number }[] = [];
  for (const image of images) {
    const guest = image.space === 'guest-physical';
    // An ELF segment is placed through one region; a raw image may run across regions that touch in root-physical space.
    const region = guest ? ram.find((r) => contains(r.virtualStart, r.size, image.start, Math.max(image.size, 1))) : undefined;
    if (guest ? !region : !coveredByRam(ram, image.start, Math.max(image.size, 1))) {
      const where = `${image.space} ${hex(image.start)}..${hex(image.start + image.size)}`;
      out.error(image.path, `${zoneLabel(zone)}: ${image.file} (${image.size} bytes) would be written at ${where}, which is not inside the zone's ram regions (root-physical ${list}); it would overwrite memory the zone does not own, so it is not loaded`);
      continue;
    }
    placed.push({ image, start: region ? image.start - region.virtualStart + region.physicalStart : image.start });
  }
  placed.forEach((a, i) => {
    for (const b of placed.slice(0, i)) {
      if (a.image.file === b.image.file && a.image.path === b.image.path) continue;
      if (!overlaps(a.start, a.image.size, b.start, b.image.size)) continue;
      out.error(a.image.path, `${zoneLabel(zone)}: ${a.image.file} (root-physical ${span(a.start, a.image.size)}) overlaps ${b.image.file} (${b.image.path}, root-physical ${span(b.start, b.image.size)}); loading one overwrites the other`);
    }
  });
  return out.list;
}

/** One device window from virtio_cfg.json (`addr`, `len`, `irq`), with its JSON path there. */
export interface VirtioWindow {
  readonly addr: number;
  readonly len: number;
  readonly irq?: number;
  readonly path: string;
}

/**
 * The hook for virtio_cfg.json: every device window of a zone must lie inside one of the zone's
 * `virtio` regions (else the guest's accesses are never trapped to the daemon; hvisor issue #177: the
 * tool does not check it). Whether its IRQ reaches the guest is the architecture's rule (its
 * validator's virtioIrq: hvisor's vPLIC drops a virtual injection of a zone's hw IRQ, its vGIC
 * delivers anything); give `board` to check it.
 */
export function checkVirtioWindows(zone: ZoneConfig, windows: readonly VirtioWindow[], file: string, board?: Board): ZoneFinding[] {
  const findings: ZoneFinding[] = [];
  const add = (path: string, message: string, severity: ZoneFinding['severity'] = 'error'): void => void findings.push({ severity, file, path, message });
  const irqRule = board ? ARCH_CONFIG_VALIDATORS[board.arch].virtioIrq : undefined;
  for (const window of windows) {
    const inside = zone.memoryRegions.some((r) => r.type === 'virtio' && contains(r.physicalStart, r.size, window.addr, window.len));
    if (!inside) {
      add(window.path, `virtio window ${span(window.addr, window.len)} is not inside any virtio region of ${zoneLabel(zone)} (${zone.source}); the guest's accesses would never reach the daemon`);
    }
    const problem = window.irq !== undefined && board ? irqRule?.(zone, window.irq, board) : undefined;
    if (problem) add(`${window.path}.irq`, `IRQ ${window.irq} of ${zoneLabel(zone)} (${zone.source}) ${problem.message}`, problem.severity);
  }
  return findings;
}

function ref(zone: ZoneConfig, path: string): ZoneRef {
  return { file: zone.source, zoneId: zone.zoneId, name: zone.name, path };
}

const describe = (r: ZoneRef): string => `zone ${r.zoneId} ${JSON.stringify(r.name)} (${r.file}: ${r.path})`;

/**
 * Conflicts between zones: give the root zone (rootZoneConfig) and the non-root zones in start order.
 * Each conflict is reported once, on the later zone, naming both.
 */
export function checkZones(zones: readonly ZoneConfig[], board: Board, options: ZoneCheckOptions = {}): ZoneFinding[] {
  const findings: ZoneFinding[] = [];
  zones.forEach((zone, b) => {
    const out = new Findings(zone);
    if (!zone.root && zone.zoneId === 0) {
      out.error('zone_id', 'zone id 0 is the root zone; hvisor refuses to start another zone 0 (EINVAL)');
    }
    for (let a = 0; a < b; a++) conflicts(zones[a]!, zone, board, out, options.pci === undefined);
    findings.push(...out.list);
  });
  if (ivcOn(board, options)) {
    const sinks = new Map(zones.map((zone) => [zone, new Findings(zone)] as const));
    checkIvcSet(zones, (zone) => sinks.get(zone)!);
    for (const sink of sinks.values()) findings.push(...sink.list);
  }
  if (options.pci) findings.push(...checkPciAssignments(zones, board, options.pci));
  return findings;
}

function conflicts(earlier: ZoneConfig, zone: ZoneConfig, board: Board, out: Findings, pciWithoutBus: boolean): void {
  const pair = (path: string, otherPath: string): readonly [ZoneRef, ZoneRef] => [ref(zone, path), ref(earlier, otherPath)];
  if (zone.zoneId === earlier.zoneId && !(zone.zoneId === 0 && !zone.root)) {
    const zones = pair('zone_id', 'zone_id');
    out.error('zone_id', `zone id ${zone.zoneId} is also used by ${describe(zones[1])}; hvisor refuses to start the second (EINVAL)`, zones);
  }
  for (const cpu of zone.cpus) {
    if (!earlier.cpus.includes(cpu)) continue;
    const zones = pair('cpus', 'cpus');
    out.error('cpus', `hart ${cpu} also belongs to ${describe(zones[1])}; hvisor refuses the second zone (EBUSY "cpu ${cpu} already belongs to zone ${earlier.zoneId}")`, zones);
  }
  zone.memoryRegions.forEach((region, i) => {
    earlier.memoryRegions.forEach((other, j) => {
      if (!mapped(region) || !mapped(other)) return;
      if (!overlaps(region.physicalStart, region.size, other.physicalStart, other.size)) return;
      const zones = pair(`memory_regions[${i}]`, `memory_regions[${j}]`);
      const mine = `${region.type} region ${span(region.physicalStart, region.size)}`;
      const theirs = `${other.type} region ${span(other.physicalStart, other.size)}`;
      const rootRam = region.type === 'ram' && other.type === 'ram' && zone.root !== earlier.root;
      const shared = rootRam ? undefined : ARCH_CONFIG_VALIDATORS[board.arch].sharedRegion?.(region, other);
      if (shared) {
        out.warning(zones[0].path, `${mine} overlaps ${theirs} of ${describe(zones[1])}: ${shared}`, zones);
      } else if (rootRam) {
        const nonRoot = zone.root ? other : region;
        const how = zone.root ? contains(region.physicalStart, region.size, other.physicalStart, other.size) : contains(other.physicalStart, other.size, region.physicalStart, region.size);
        out.warning(zones[0].path, `${mine} ${how ? 'lies inside' : 'overlaps'} the root zone's ${theirs} of ${describe(zones[1])}, as hvisor's shipped layouts do on purpose; the root's device tree must reserve ${span(nonRoot.physicalStart, nonRoot.size)} (reserved-memory)`, zones);
      } else if (region.type === 'ram' && other.type === 'ram') {
        out.error(zones[0].path, `${mine} overlaps ${theirs} of ${describe(zones[1])}; both guests would write the same memory`, zones);
      } else {
        out.error(zones[0].path, `${mine} overlaps ${theirs} of ${describe(zones[1])}; two zones would drive the same device`, zones);
      }
    });
  });
  for (const irq of zone.interrupts) {
    if (!earlier.interrupts.includes(irq)) continue;
    const zones = pair('interrupts', 'interrupts');
    if (board.hwIrqs.includes(irq)) {
      out.error('interrupts', `IRQ ${irq} is also owned by ${describe(zones[1])}; a hardware IRQ (HW_IRQS) reaches only the zone on the CPU that claims it`, zones);
    } else {
      out.warning('interrupts', `IRQ ${irq} is also in the interrupts of ${describe(zones[1])}; it is not in HW_IRQS, so each zone's vPLIC raises it separately`, zones);
    }
  }
  // With the layout's bus known, checkPciAssignments says which functions are bridges (pci-checks.ts).
  if (pciWithoutBus) zone.allocPciDevs.forEach((dev, i) => {
    // 00:00.0 is the host bridge on a generic ECAM host (QEMU virt's gpex): every zone lists it, as
    // hvisor's own qemu-plic configs do (board.rs ROOT_PCI_DEVS and configs/zone1-linux-*.json).
    if (dev.bus === 0 && dev.device === 0 && dev.function === 0) return;
    earlier.allocPciDevs.forEach((other, j) => {
      if (dev.domain !== other.domain || dev.bus !== other.bus || dev.device !== other.device || dev.function !== other.function) return;
      const zones = pair(`alloc_pci_devs[${i}]`, `alloc_pci_devs[${j}]`);
      // Host bridges and PCI bridges are cloned into every zone; only endpoints move. The config does not say which.
      out.warning(zones[0].path, `PCI device ${bdf(dev)} is also assigned to ${describe(zones[1])}; if it is an endpoint, hvisor moves it to the first zone that takes it`, zones);
    });
  });
}

function bdf(dev: { domain: number; bus: number; device: number; function: number }): string {
  const two = (n: number): string => n.toString(16).padStart(2, '0');
  return `${dev.domain.toString(16).padStart(4, '0')}:${two(dev.bus)}:${two(dev.device)}.${dev.function}`;
}

export interface ZoneFileInput {
  readonly file: string;
  readonly text: string;
}

export interface ZoneSetResult {
  readonly root: ZoneConfig;
  /** The zones that parsed without errors, in input order. */
  readonly zones: readonly ZoneConfig[];
  readonly findings: readonly ZoneFinding[];
}

/** Parses zone JSON files and runs every check, with the board's root zone first (the CLI's entry point). */
export function validateZoneFiles(files: readonly ZoneFileInput[], board: Board): ZoneSetResult {
  const root = rootZoneConfig(board);
  const findings: ZoneFinding[] = [...checkZone(root, board)];
  const zones: ZoneConfig[] = [];
  for (const input of files) {
    const parsed = parseZoneConfig(input.text, input.file, board.arch);
    findings.push(...parsed.findings);
    if (!parsed.config) continue;
    zones.push(parsed.config);
    findings.push(...checkZone(parsed.config, board));
  }
  findings.push(...checkZones([root, ...zones], board));
  return { root, zones, findings };
}

/** A human-readable report: findings grouped by file, then a count. */
export function formatZoneReport(findings: readonly ZoneFinding[]): string {
  const files: string[] = [];
  for (const f of findings) if (!files.includes(f.file)) files.push(f.file);
  const lines: string[] = [];
  for (const file of files) {
    lines.push(file);
    for (const f of findings.filter((x) => x.file === file)) {
      lines.push(`  ${f.severity}: ${f.path ? `${f.path}: ` : ''}${f.message}`);
    }
  }
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.length - errors;
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  lines.push(findings.length === 0 ? 'no problems found' : `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`);
  return lines.join('\n');
}
