/**
 * The device models by kind: the one place that knows which class models which board device. A new
 * kind (or a new architecture's interrupt controller) is a new entry here, not a new case in the
 * machine. Kinds with no model (virtio-mmio slots, served by the hypervisor's virtio traps) have no
 * state and stay unmapped.
 *
 * Left out: GICv2's virtualisation windows (GICH, GICV) are board data only; the
 * virtual GIC of hvisor's zones is the hypervisor's (issue 10).
 */
import { boardOf, type DeviceKind } from '../../shared/model/board';
import { firstIrq, numericProp, type DeviceModel } from './device-model';
import { cpuModel } from '../cpu-models';
import { AclintMswi } from './intc/aclint-mswi';
import { AclintMtimer } from './intc/aclint-mtimer';
import { AclintSswi } from './intc/aclint-sswi';
import { SifivePlic } from './intc/sifive-plic';
import { RiscvAplic } from './intc/riscv-aplic';
import { imsicGuestBits, RiscvImsic, type ImsicConfig } from './intc/riscv-imsic';
import { ArmGicv3 } from './intc/arm-gicv3/gicv3';
import { ArmGicv2 } from './intc/arm-gicv2';
import { GoldfishRtc } from './misc/goldfish-rtc';
import { IsaIo } from './misc/isa-io';
import { SifiveTest } from './misc/sifive-test';
import { Ns16550a } from './uart/ns16550a';
import { Pl011 } from './uart/pl011';
import { ImxUart } from './uart/imx-uart';
import { CadenceUart } from './uart/cadence-uart';
import { DwApbUart } from './uart/dw-apb-uart';
import { LoongsonLiointc } from './intc/loongson-liointc';
import { LoongsonEiointc } from './intc/loongson-eiointc';
import { LoongsonPchPic } from './intc/loongson-pch-pic';
import { LoongsonPchMsi, type VectorPulseSink } from './intc/loongson-pch-msi';
import { pciHostEcamModel } from './pci/pci-host-model';
import { ArmSmmuV3, SMMUV3_STATE_BYTES } from './iommu/arm-smmuv3';

const DEFAULT_RING_CAPACITY = 4096;

const noModel = (kind: DeviceKind): DeviceModel => ({
  kind,
  stateBytes: () => undefined,
  build: () => ({ windows: [] }),
});

const window = (spec: { name: string; base: number; size: number }, device: import('../bus/types').MmioDevice) => ({
  name: spec.name, base: spec.base, size: spec.size, device,
});

const gicLines = (spec: Parameters<DeviceModel['stateBytes']>[1]): number => numericProp(spec, 'lines');

/** A GIC CPU interface's two outputs, IRQ then FIQ, as the board wires them (cpuInputs). */
const gicInputs = (board: Parameters<DeviceModel['stateBytes']>[0], spec: Parameters<DeviceModel['stateBytes']>[1]) => {
  const inputs = cpuInputs(board, spec);
  if (inputs.length !== 2) throw new Error(`board '${board.name}': device '${spec.name}' cpuInputs must name 2 inputs (the IRQ and the FIQ output's), not ${inputs.length}`);
  return { irq: inputs[0]!.mask, fiq: inputs[1]!.mask };
};

/**
 * The board's wiring of an interrupt controller's per-CPU outputs: its `cpuInputs` prop names, in output
 * order, the CPU inputs (the CPU model's interruptInputs) each CPU's outputs drive.
 */
function cpuInputs(board: Parameters<DeviceModel['stateBytes']>[0], spec: Parameters<DeviceModel['stateBytes']>[1]): { name: string; mask: number }[] {
  const names = spec.props?.['cpuInputs'];
  const known = cpuModel(board.arch).interruptInputs;
  if (!Array.isArray(names) || names.length === 0 || names.some((n) => typeof n !== 'string')) {
    throw new Error(`board '${board.name}': device '${spec.name}' (${spec.kind}) needs 'cpuInputs', the CPU inputs its outputs drive (one of ${Object.keys(known).join(', ')} each)`);
  }
  return (names as readonly string[]).map((name) => {
    const mask = known[name];
    if (mask === undefined) throw new Error(`board '${board.name}': device '${spec.name}' cpuInputs names '${name}', not an input of a ${board.arch} CPU (${Object.keys(known).join(', ')})`);
    return { name, mask };
  });
}

/** An IMSIC's geometry from its board device: the S-level window is the device's own, the M-level one `machineBase`. */
const imsicConfig = (board: Parameters<DeviceModel['stateBytes']>[0], spec: Parameters<DeviceModel['stateBytes']>[1]): ImsicConfig => ({
  harts: board.harts, ids: numericProp(spec, 'ids'), guests: numericProp(spec, 'guests'), machineBase: numericProp(spec, 'machineBase'), supervisorBase: spec.base,
});

/** A GICv3's configuration from its board device; `itsBase` (with a non-zero `itsSize`) gives it LPIs and an ITS. */
const gicv3Config = (board: Parameters<DeviceModel['stateBytes']>[0], spec: Parameters<DeviceModel['stateBytes']>[1]) => {
  const b = boardOf(board, 'aarch64');
  const itsBase = spec.props?.['itsBase'];
  const itsSize = spec.props?.['itsSize'];
  const its = typeof itsBase === 'number' && typeof itsSize === 'number' && itsSize > 0 ? { its: { base: itsBase } } : {};
  return { cpus: b.harts, lines: gicLines(spec), affinities: b.mpidrs, inputs: gicInputs(board, spec), ...its };
};

const MODELS: readonly DeviceModel[] = [
  {
    kind: 'riscv-imsic',
    interruptController: true,
    stateBytes: (board, spec) => RiscvImsic.stateBytes(imsicConfig(board, spec)),
    build: (c) => {
      // The interrupt files drive MEIP/SEIP themselves, the guest file a hypervisor selected included:
      // they bypass signals that route a PLIC's SEIP of zoned harts through the hypervisor (riscv64 irq-routing.ts).
      const signals = (c.signals as { readonly inner?: typeof c.signals }).inner ?? c.signals;
      const imsic = new RiscvImsic(c.region(), imsicConfig(c.board, c.spec), signals);
      const machine = { name: `${c.spec.name}.machine`, base: numericProp(c.spec, 'machineBase'), size: c.board.harts * 0x1000 };
      return { windows: [window(c.spec, imsic.supervisorWindow), window(machine, imsic.machineWindow)], roles: { imsic, msi: imsic } };
    },
  },
  {
    kind: 'riscv-aplic',
    interruptController: true,
    stateBytes: (_board, spec) => RiscvAplic.stateBytes({ sources: numericProp(spec, 'sources') }),
    build: (c) => {
      const imsic = c.board.devices.find((d) => d.kind === 'riscv-imsic');
      if (!imsic) throw new Error(`board '${c.board.name}': APLIC '${c.spec.name}' delivers MSIs, but the board has no riscv-imsic`);
      const aplic = new RiscvAplic(c.region(), {
        sources: numericProp(c.spec, 'sources'), harts: c.board.harts,
        imsic: { machineBase: numericProp(imsic, 'machineBase'), supervisorBase: imsic.base, guestBits: imsicGuestBits(numericProp(imsic, 'guests')) },
      }, c.msiSink);
      const machine = { name: `${c.spec.name}.machine`, base: numericProp(c.spec, 'machineBase'), size: numericProp(c.spec, 'machineSize') };
      return { windows: [window(c.spec, aplic.supervisorWindow), window(machine, aplic.machineWindow)], roles: { irqChip: aplic, aplic } };
    },
  },
  {
    kind: 'sifive-plic',
    interruptController: true,
    stateBytes: (board, spec) => SifivePlic.stateBytes({ sources: numericProp(spec, 'sources'), harts: board.harts, inputs: cpuInputs(board, spec) }),
    build: (c) => {
      const config = { sources: numericProp(c.spec, 'sources'), harts: c.board.harts, inputs: cpuInputs(c.board, c.spec) };
      const plic = new SifivePlic(c.region(), config, c.signals);
      return { windows: [window(c.spec, plic)], roles: { irqChip: plic, plic } };
    },
  },
  {
    kind: 'arm-gicv3',
    interruptController: true,
    stateBytes: (board, spec) => ArmGicv3.stateBytes(gicv3Config(board, spec)),
    build: (c) => {
      const gic = new ArmGicv3(c.region(), gicv3Config(c.board, c.spec), c.signals);
      const redistributors = {
        name: `${c.spec.name}.redistributors`,
        base: numericProp(c.spec, 'redistributorBase'),
        // Only the frames of the board's CPUs answer; the rest of QEMU's window is unmapped.
        size: Math.min(numericProp(c.spec, 'redistributorSize'), gic.redistributors.size),
      };
      // The ITS (when the board names one) is the board's MSI controller: GITS_TRANSLATER takes the PCIe functions' MSI writes.
      const its = gic.its ? [window({ name: `${c.spec.name}.its`, base: numericProp(c.spec, 'itsBase'), size: Math.min(numericProp(c.spec, 'itsSize'), gic.its.size) }, gic.its)] : [];
      return {
        windows: [window(c.spec, gic.distributor), window(redistributors, gic.redistributors), ...its],
        roles: { irqChip: gic, gicv3: gic, privateIrqs: gic, ...(gic.its ? { msi: gic.its } : {}) },
      };
    },
  },
  {
    kind: 'arm-gicv2',
    interruptController: true,
    stateBytes: (board, spec) => ArmGicv2.stateBytes({ cpus: board.harts, lines: gicLines(spec) }),
    build: (c) => {
      const stride = c.spec.props?.['cpuInterfacePageStride'];
      const gic = new ArmGicv2(c.region(), {
        cpus: c.board.harts, lines: gicLines(c.spec), inputs: gicInputs(c.board, c.spec),
        ...(typeof stride === 'number' ? { cpuInterfacePageStride: stride } : {}),
      }, c.signals);
      const cpu = c.requester ?? 0;
      const cpuInterface = {
        name: `${c.spec.name}.cpu-interface`,
        base: numericProp(c.spec, 'cpuInterfaceBase'),
        size: numericProp(c.spec, 'cpuInterfaceSize'),
      };
      return {
        windows: [window(c.spec, gic.distributorFor(cpu)), window(cpuInterface, gic.cpuInterfaceFor(cpu))],
        roles: { irqChip: gic, gicv2: gic, privateIrqs: gic },
      };
    },
  },
  {
    kind: 'ns16550a',
    stateBytes: (_b, _s, o) => Ns16550a.stateBytes(o.uartRingCapacity ?? DEFAULT_RING_CAPACITY),
    build: (c) => {
      const uart = Ns16550a.create(c.region(), { sink: c.irqSink(), line: firstIrq(c.spec) });
      return { windows: [window(c.spec, uart)], roles: { uart } };
    },
  },
  {
    kind: 'loongson-liointc',
    interruptController: true,
    stateBytes: () => LoongsonLiointc.stateBytes(),
    build: (c) => {
      const liointc = new LoongsonLiointc(c.region(), c.board.harts, cpuInputs(c.board, c.spec).map((i) => i.mask), c.signals);
      return { windows: [window(c.spec, liointc)], roles: { irqChip: liointc } };
    },
  },
  {
    // Reached through IOCSR, not memory: no window; the LoongArch vCPU's IOCSR bus asks it (role iocsr).
    kind: 'loongson-eiointc',
    interruptController: true,
    stateBytes: () => LoongsonEiointc.stateBytes(),
    build: (c) => {
      const eiointc = new LoongsonEiointc(c.region(), c.board.harts, cpuInputs(c.board, c.spec).map((i) => i.mask), c.signals);
      return { windows: [], roles: { cascadedIrqChip: eiointc, iocsr: eiointc } };
    },
  },
  {
    // Its interruptParent prop names the EIOINTC its HT messages raise vectors of.
    kind: 'loongson-pch-pic',
    interruptController: true,
    stateBytes: () => LoongsonPchPic.stateBytes(),
    build: (c) => {
      const pic = new LoongsonPchPic(c.region(), c.irqSink());
      return { windows: [window(c.spec, pic)], roles: { cascadedIrqChip: pic } };
    },
  },
  {
    // The SMMUv3 hvisor's aarch64 driver programs; its memory (tables, queues) is attached by the machine.
    kind: 'arm-smmuv3',
    stateBytes: () => SMMUV3_STATE_BYTES,
    build: (c) => {
      const walk = cpuModel(c.board.arch).stage2Walk;
      if (!walk) throw new Error(`board '${c.board.name}': device '${c.spec.name}' (arm-smmuv3) needs a CPU with a stage-2 table format; ${c.board.arch} has none`);
      const region = c.region();
      const smmu = new ArmSmmuV3({ state: new Uint8Array(region.buffer, region.byteOffset, region.byteLength), walkStage2: walk });
      return { windows: [window(c.spec, smmu)], roles: { iommu: smmu } };
    },
  },
  {
    // The MSI doorbell; its interruptParent names the EIOINTC whose vectors it raises as messages.
    kind: 'loongson-pch-msi',
    stateBytes: () => 0,
    build: (c) => {
      const parent = c.irqSink() as Partial<VectorPulseSink>;
      if (typeof parent.pulse !== 'function') throw new Error(`board '${c.board.name}': PCH-MSI '${c.spec.name}' needs an EIOINTC as its interruptParent`);
      const eiointc = parent as VectorPulseSink;
      const first = typeof c.spec.props?.['baseVector'] === 'number' ? c.spec.props['baseVector'] : 64;
      const count = typeof c.spec.props?.['vectors'] === 'number' ? c.spec.props['vectors'] : 192;
      const msi = new LoongsonPchMsi(c.spec.base, first, count, eiointc);
      return { windows: [window(c.spec, msi)], roles: { msi } };
    },
  },
  {
    kind: 'pl011',
    stateBytes: (_b, _s, o) => Pl011.stateBytes(o.uartRingCapacity ?? DEFAULT_RING_CAPACITY),
    build: (c) => {
      const uart = new Pl011(c.region(), { sink: c.irqSink(), line: firstIrq(c.spec) });
      return { windows: [window(c.spec, uart)], roles: { uart } };
    },
  },
  {
    kind: 'imx-uart',
    stateBytes: (_b, _s, o) => ImxUart.stateBytes(o.uartRingCapacity ?? DEFAULT_RING_CAPACITY),
    build: (c) => {
      const uart = new ImxUart(c.region(), { sink: c.irqSink(), line: firstIrq(c.spec) });
      return { windows: [window(c.spec, uart)], roles: { uart } };
    },
  },
  {
    kind: 'cadence-uart',
    stateBytes: (_b, _s, o) => CadenceUart.stateBytes(o.uartRingCapacity ?? DEFAULT_RING_CAPACITY),
    build: (c) => {
      const uart = new CadenceUart(c.region(), { sink: c.irqSink(), line: firstIrq(c.spec) });
      return { windows: [window(c.spec, uart)], roles: { uart } };
    },
  },
  {
    kind: 'dw-apb-uart',
    stateBytes: (_b, _s, o) => DwApbUart.stateBytes(o.uartRingCapacity ?? DEFAULT_RING_CAPACITY),
    build: (c) => {
      const uart = new DwApbUart(c.region(), { sink: c.irqSink(), line: firstIrq(c.spec) });
      return { windows: [window(c.spec, uart)], roles: { uart } };
    },
  },
  {
    kind: 'aclint-mswi',
    stateBytes: (board) => AclintMswi.stateBytes(board.harts),
    build: (c) => {
      const mswi = new AclintMswi(c.region(), c.board.harts, c.signals);
      return { windows: [window(c.spec, mswi)], roles: { mswi } };
    },
  },
  {
    kind: 'aclint-mtimer',
    stateBytes: (board) => AclintMtimer.stateBytes(board.harts),
    build: (c) => {
      const mtimer = new AclintMtimer(c.region(), c.board.harts, c.clock);
      return { windows: [window(c.spec, mtimer)], roles: { mtimer } };
    },
  },
  {
    kind: 'aclint-sswi',
    stateBytes: () => AclintSswi.stateBytes(),
    build: (c) => {
      const sswi = new AclintSswi(c.board.harts, c.signals);
      return { windows: [window(c.spec, sswi)], roles: { sswi } };
    },
  },
  {
    kind: 'sifive-test',
    stateBytes: () => SifiveTest.stateBytes(),
    build: (c) => {
      const test = new SifiveTest(c.region(), c.onPowerRequest);
      return { windows: [window(c.spec, test)], roles: { test } };
    },
  },
  {
    kind: 'goldfish-rtc',
    stateBytes: () => GoldfishRtc.stateBytes(),
    build: (c) => {
      const rtc = new GoldfishRtc(c.region(), c.wallClockNs ?? (() => BigInt(Date.now()) * 1_000_000n));
      return { windows: [window(c.spec, rtc)], roles: { rtc } };
    },
  },
  noModel('virtio-mmio'),
  pciHostEcamModel,
  {
    kind: 'isa-io',
    // No state (every port reads all ones), but a model: an empty region says so.
    stateBytes: () => 0,
    build: (c) => ({ windows: [window(c.spec, new IsaIo())] }),
  },
];

const BY_KIND: ReadonlyMap<DeviceKind, DeviceModel> = new Map(MODELS.map((m) => [m.kind, m]));

export function deviceModel(kind: DeviceKind): DeviceModel {
  const model = BY_KIND.get(kind);
  if (!model) throw new Error(`no device model for kind '${kind}'`);
  return model;
}
