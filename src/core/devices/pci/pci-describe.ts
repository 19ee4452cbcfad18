/**
 * A PCIe host's functions as data for the assignment view (issue 11 item 5): each function's identity,
 * class, BARs, INTx and capabilities, read through its configuration space the way enumerating software
 * reads it (the capability list walked from 0x34), over the machine's shared configuration blocks or
 * over fresh ones (power-on values) when the machine is not running. Reading changes nothing.
 */
import type { BoardDevice } from '../../../shared/model/board';
import { isPciBridgeClass, pciAddress, pciClassName } from '../../../shared/model/pci-class';
import type { PciFunctionData } from '../../../shared/protocol/pci';
import { pciFunctionType } from './pci-function-types';
import { PCI_CONFIG_BYTES, PciCapabilityId, PciCommand, PciReg, type PciConfigSpace } from './pci-config-space';
import { PciHostBridgeFunction } from './pci-host-ecam-generic';
import { pciFunctionsOf, pciHostWindows } from './pci-host-board';

const hex = (n: number): string => `0x${n.toString(16)}`;

/** Capability ids in the list, by walking the next pointers (at most 48 entries: a looped list stops). */
function capabilityList(config: PciConfigSpace): Map<number, number> {
  const found = new Map<number, number>();
  if (!(config.read(PciReg.status, 2) & 0x10)) return found;
  let at = config.read(PciReg.capabilitiesPointer, 1) & 0xfc;
  for (let n = 0; at >= 0x40 && n < 48; n++) {
    const id = config.read(at, 1);
    if (!found.has(id)) found.set(id, at);
    at = config.read(at + 1, 1) & 0xfc;
  }
  return found;
}

export function describeFunction(config: PciConfigSpace, where: { device: number; fn: number; name: string; intxLines?: readonly number[] }): Omit<PciFunctionData, 'owners' | 'msixTable'> {
  const classCode = config.read(PciReg.classCode - 1, 4) >>> 8;
  const command = config.read(PciReg.command, 2);
  const caps = capabilityList(config);
  const msix = caps.get(PciCapabilityId.msix);
  const msixControl = msix === undefined ? 0 : config.read(msix + 2, 2);
  const pin = config.read(PciReg.interruptPin, 1);
  const bars = config.spec.bars.map((bar) => ({
    index: bar.index,
    kind: bar.kind,
    prefetchable: bar.prefetchable === true,
    size: hex(bar.size),
    address: hex(config.barAddress(bar)),
    enabled: (command & (bar.kind === 'io' ? PciCommand.ioSpace : PciCommand.memorySpace)) !== 0,
  }));
  return {
    bdf: pciAddress(0, 0, where.device, where.fn),
    domain: 0,
    bus: 0,
    device: where.device,
    function: where.fn,
    name: where.name,
    vendorId: config.read(PciReg.vendorId, 2),
    deviceId: config.read(PciReg.deviceId, 2),
    classCode,
    className: pciClassName(classCode),
    headerType: config.read(PciReg.headerType, 1) & 0x7f,
    bridge: isPciBridgeClass(classCode),
    bars,
    interruptPin: pin,
    interruptLine: pin >= 1 && pin <= 4 && where.intxLines ? (where.intxLines[(where.device + pin - 1) % 4] ?? null) : null,
    command,
    capabilities: {
      msi: caps.has(PciCapabilityId.msi),
      msixVectors: msix === undefined ? null : (msixControl & 0x7ff) + 1,
      msixEnabled: (msixControl & 0x8000) !== 0,
      pcie: caps.has(PciCapabilityId.pciExpress),
    },
  };
}

/**
 * The functions of a board's `pci-host-ecam` device (its `functions` prop plugged in), bridge first.
 * `block(i)` gives configuration block i (0 the bridge's); without it, fresh power-on blocks.
 */
export function describePciHost(host: BoardDevice, block?: (i: number) => Uint8Array): Omit<PciFunctionData, 'owners' | 'msixTable'>[] {
  const windows = pciHostWindows(host);
  const bytes = (i: number): Uint8Array => block?.(i) ?? new Uint8Array(PCI_CONFIG_BYTES);
  const intxLines = windows.intxLines;
  const out = [describeFunction(new PciHostBridgeFunction(bytes(0)).config, { device: 0, fn: 0, name: 'pcie-host-bridge', ...(intxLines ? { intxLines } : {}) })];
  pciFunctionsOf(host).forEach((f, i) => {
    out.push(describeFunction(pciFunctionType(f.type, host.name).configSpace(bytes(i + 1)), { device: f.slot, fn: 0, name: f.type, ...(intxLines ? { intxLines } : {}) }));
  });
  return out.sort((a, b) => a.device - b.device || a.function - b.function);
}
