/**
 * The IOCSR space as a zone's guest sees it. Under LVZ a guest's IOCSRRD/IOCSRWR trap (GSPR) and hvisor
 * emulates them as an MMIO access at 0x1fe0_0000 + the IOCSR address (src/arch/loongarch64/trap.rs:1436-1530
 * emulate_iocsr, IOCSR_BASE_ADDR_PHY) through the zone's MMIO handlers; the only one there is the
 * 0x1fe0_0000 + 0x3000 window every zone registers (src/arch/loongarch64/zone.rs:95) and its generic
 * handler (zone.rs loongarch_generic_mmio_handler), which performs the access on the hardware except that
 * a zone other than the root's CPU 0 may not write the EIOINTC's enable (0x1600..0x1618), bounce
 * (0x1680..0x1698) and node-select (0x14a0..0x14be) registers: those writes are dropped.
 *
 * What happens outside that window in hvisor is a panic of the hypervisor (trap.rs:1528 "mmio access
 * failed ... this is a real page fault"); here the access stops the zone alone, with a report naming the
 * pc, the encoding and the IOCSR address. IPI and mailbox sends (IPI_SEND 0x1040, MBUF_SEND 0x1048)
 * name CPUs by their index in the zone, as the guest reads its CPUID (hvisor gives every zone CPU GCSR
 * CPUID 0, cpu.rs:76-78, and passes the send to the hardware, where CPU 0 is the root's); a send to an
 * index the zone does not have stops the zone. The root's EIOINTC route writes (COREMAP) are rewritten
 * as hvisor's handle_extioi_mapping_mmio does and a non-root zone's are dropped. Left out: the IPI-to-self
 * shortcut of emulate_iocsr_legacy (not on hvisor's current path); hvisor's per-core status view
 * (handle_extioi_status_mmio) is what the per-CPU IOCSR space already gives (COREISR at 0x1800 is the
 * reading CPU's); a COREMAP read, which hvisor answers with the guest's own register ("makes no sense"),
 * reads the real route here.
 */
import type { IocsrBus } from '../../../isa/loongarch64/platform';
import { Iocsr } from './iocsr';
import type { TrapRegion, TrappingCpu } from '../../stage2-map';

/** hvisor's 0x1fe0_0000 window, in IOCSR addresses (zone.rs:95). */
export const ZONE_IOCSR_WINDOW = 0x3000;

/** EIOINTC register blocks only the root may write (zone.rs loongarch_generic_mmio_handler). */
const ROOT_ONLY_WRITES: readonly (readonly [number, number])[] = [
  [0x1600, 0x18], // EXTIOI_ENABLE
  [0x1680, 0x18], // EXTIOI_BOUNCE
  [0x14a0, 0x1e], // EXTIOI_NODE_SEL
];

/** EXTIOI_MAP_CORE (COREMAP): one route byte per vector (zone.rs:457 EXTIOI_MAP_CORE_BASE, 0x100 bytes). */
const COREMAP = 0x1c00;
const COREMAP_SIZE = 0x100;

export interface ZoneIocsrOptions {
  readonly root: boolean;
  /** The physical CPU making the accesses (hvisor's this_cpu_id()). */
  readonly cpu: number;
  /** The zone's physical CPUs in order: its IPIs' targets, by index. */
  readonly cpus: readonly number[];
  /** Why the last refused access was refused (the fault report's text). */
  refused(reason: string): void;
}

export function zoneIocsrBus(board: IocsrBus, options: ZoneIocsrOptions): IocsrBus {
  const inWindow = (address: number, size: number): boolean => address >= 0 && address + size <= ZONE_IOCSR_WINDOW;
  const outside = (address: number, size: number, what: string): void => {
    options.refused(`IOCSR ${what} of ${size} bytes at 0x${address.toString(16)} is outside the zone's IOCSR window 0x0-0x${(ZONE_IOCSR_WINDOW - 1).toString(16)} (hvisor's 0x1fe0_0000 MMIO handler); hvisor would panic here`);
  };
  return {
    read(address, size) {
      if (!inWindow(address, size)) {
        outside(address, size, 'read');
        return undefined;
      }
      return board.read(address, size);
    },
    write(address, size, value) {
      if (!inWindow(address, size)) {
        outside(address, size, 'write');
        return false;
      }
      if (!options.root && ROOT_ONLY_WRITES.some(([base, length]) => address >= base && address < base + length)) return true;
      if (address >= COREMAP && address < COREMAP + COREMAP_SIZE) {
        // handle_extioi_mapping_mmio (zone.rs:503-575): a non-root zone's route writes are ignored; the
        // root's are rewritten, each byte keeping its node bits: vectors below 64 go to the writing CPU,
        // the MSI vectors from 64 on to CPU (v - 64) / 48.
        if (!options.root) return true;
        let rewritten = 0n;
        for (let i = 0; i < size; i++) {
          const vector = address - COREMAP + i;
          if (vector >= COREMAP_SIZE) return false;
          const node = Number((value >> BigInt(8 * i)) & 0xf0n);
          const target = vector >= 64 ? Math.floor((vector - 64) / 48) : options.cpu;
          rewritten |= BigInt(node | (1 << target)) << BigInt(8 * i);
        }
        return board.write(address, size, rewritten);
      }
      if (address === Iocsr.IPI_SEND || address === Iocsr.MBUF_SEND) {
        // The guest names CPUs as it reads its own CPUID: by index in the zone (vcpu.ts, hvisor's GCSR CPUID 0).
        const index = Number((value >> 16n) & 0x3ffn);
        const target = options.cpus[index];
        if (target === undefined) {
          options.refused(`IOCSR ${address === Iocsr.IPI_SEND ? 'IPI_SEND' : 'MBUF_SEND'} to CPU ${index} of a zone with ${options.cpus.length} (physical CPUs ${options.cpus.join(', ')})`);
          return false;
        }
        return board.write(address, size, (value & ~(0x3ffn << 16n)) | (BigInt(target) << 16n));
      }
      return board.write(address, size, value);
    },
  };
}

/** hvisor's MMIO window every zone registers (zone.rs:95): 0x1fe0_0000 + 0x3000. */
export const ZONE_MMIO_WINDOW_BASE = 0x1fe0_0000;

/** The part of an AddressSpace the window's accesses need. */
interface MmioBus {
  read(address: number, size: 1 | 2 | 4 | 8): number;
  write(address: number, size: 1 | 2 | 4 | 8, value: number, high?: number): void;
  readonly high: number;
}

/**
 * The same window reached by a guest's loads and stores (trap.rs:385-590: a page fault no region maps goes
 * to mmio_handle_access, which finds this handler): a zone reaches 0x1fe0_0000..0x1fe0_2fff (UART0, the
 * LIOINTC, the EIOINTC's MMIO alias) even where its io regions do not map it, with the filters above,
 * performed on the board's bus. Pages the zone maps as io are passed through by its stage-2 first, as
 * hvisor's mapped pages never fault.
 */
export function zoneMmioWindow<C extends TrappingCpu>(bus: MmioBus, options: ZoneIocsrOptions): TrapRegion<C> {
  const physical: IocsrBus = {
    read(offset, size) {
      const lo = bus.read(ZONE_MMIO_WINDOW_BASE + offset, size) >>> 0;
      return size === 8 ? (BigInt(bus.high >>> 0) << 32n) | BigInt(lo) : BigInt(lo);
    },
    write(offset, size, value) {
      bus.write(ZONE_MMIO_WINDOW_BASE + offset, size, Number(value & 0xffff_ffffn), Number((value >> 32n) & 0xffff_ffffn));
      return true;
    },
  };
  const filtered = zoneIocsrBus(physical, options);
  return {
    start: ZONE_MMIO_WINDOW_BASE,
    size: ZONE_IOCSR_WINDOW,
    handler: {
      read: (_cpu, offset, size) => filtered.read(offset, size) ?? 0n,
      write: (_cpu, offset, size, value) => {
        filtered.write(offset, size, value);
      },
    },
  };
}
