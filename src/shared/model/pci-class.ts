/**
 * PCI class names (PCI Code and ID Assignment Specification 1.x, the names lspci prints from pci.ids'
 * class list): by base class and sub-class, then by base class alone. Data, not code.
 */
const BY_SUBCLASS: Readonly<Record<number, string>> = {
  0x0000: 'Non-VGA unclassified device', 0x0001: 'VGA compatible unclassified device',
  0x0100: 'SCSI storage controller', 0x0101: 'IDE interface', 0x0104: 'RAID bus controller', 0x0106: 'SATA controller',
  0x0107: 'Serial Attached SCSI controller', 0x0108: 'Non-Volatile memory controller', 0x0180: 'Mass storage controller',
  0x0200: 'Ethernet controller', 0x0280: 'Network controller',
  0x0300: 'VGA compatible controller', 0x0302: '3D controller', 0x0380: 'Display controller',
  0x0401: 'Multimedia audio controller', 0x0403: 'Audio device',
  0x0500: 'RAM memory', 0x0580: 'Memory controller',
  0x0600: 'Host bridge', 0x0601: 'ISA bridge', 0x0604: 'PCI bridge', 0x0680: 'Bridge',
  0x0700: 'Serial controller', 0x0780: 'Communication controller',
  0x0800: 'PIC', 0x0880: 'System peripheral',
  0x0c03: 'USB controller', 0x0c05: 'SMBus',
  0xff00: 'Unassigned class',
};

const BY_CLASS: Readonly<Record<number, string>> = {
  0x00: 'Unclassified device', 0x01: 'Mass storage controller', 0x02: 'Network controller', 0x03: 'Display controller',
  0x04: 'Multimedia controller', 0x05: 'Memory controller', 0x06: 'Bridge', 0x07: 'Communication controller',
  0x08: 'Generic system peripheral', 0x09: 'Input device controller', 0x0c: 'Serial bus controller',
  0x0d: 'Wireless controller', 0x11: 'Signal processing controller', 0x12: 'Processing accelerators',
};

/** The class name of a 24-bit class code (0x010000 -> "SCSI storage controller"). */
export function pciClassName(classCode: number): string {
  const sub = (classCode >>> 8) & 0xffff;
  return BY_SUBCLASS[sub] ?? BY_CLASS[sub >>> 8] ?? `Class ${sub.toString(16).padStart(4, '0')}`;
}

/** Base class 0x06: host and PCI bridges, which hvisor clones into every zone that lists them. */
export const isPciBridgeClass = (classCode: number): boolean => ((classCode >>> 16) & 0xff) === 0x06;

/** lspci's address: 0000:00:01.0. */
export function pciAddress(domain: number, bus: number, device: number, fn: number): string {
  const two = (n: number): string => n.toString(16).padStart(2, '0');
  return `${domain.toString(16).padStart(4, '0')}:${two(bus)}:${two(device)}.${fn}`;
}
