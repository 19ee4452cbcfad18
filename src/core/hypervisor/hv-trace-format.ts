/**
 * Hypervisor trace records (hv-trace.ts) in words: a category for the timeline's filter, a short name
 * and a detail line with the arguments and the result. Call names come from the tables of the code that
 * answers the calls (hvisor's hypercalls, the RISC-V SBI, Arm PSCI/SMCCC), so a new architecture's calls
 * add a table, not a case here.
 */
import { HV_EVENT_KIND_NAMES, TRAP_KIND_NAMES, type HvTraceRecord } from './hv-trace';
import { HypercallCode } from './hypercall';
import { SbiExtension } from './arch/riscv64/sbi';
import { PsciFunction } from './arch/aarch64/psci';
import type { HvCategory } from '../../shared/protocol/timeline';

export interface HvDescription {
  readonly category: HvCategory;
  readonly name: string;
  readonly detail: string;
}

const invert = (table: Readonly<Record<string, number>>): Map<number, string> => new Map(Object.entries(table).map(([name, value]) => [value | 0, name]));
const HYPERCALLS = invert(HypercallCode);
const SBI_EXTENSIONS = invert(SbiExtension);
const PSCI_FUNCTIONS = invert(PsciFunction);

const hex = (v: bigint): string => `0x${BigInt.asUintN(64, v).toString(16)}`;
const signed = (v: bigint): string => BigInt.asIntN(64, v).toString();

export function describeHvRecord(r: HvTraceRecord): HvDescription {
  const kind = HV_EVENT_KIND_NAMES[r.kind];
  switch (kind) {
    case 'hypercall': {
      const name = HYPERCALLS.get(r.code) ?? `hypercall ${r.code >>> 0}`;
      return { category: 'hypercall', name, detail: `${name}(${hex(r.a)}, ${hex(r.b)}) = ${signed(r.c)}` };
    }
    case 'sbi': {
      const extension = SBI_EXTENSIONS.get(r.code) ?? `EID ${hex(BigInt(r.code >>> 0))}`;
      const fid = r.aux & 0xffff;
      const error = (r.aux << 0) >> 16;
      const name = `SBI ${extension}${r.code > 0xff ? ` fid ${fid}` : ''}`;
      return { category: 'firmware', name, detail: `${name}(${hex(r.a)}, ${hex(r.b)}, ${hex(r.c)}) = error ${error}, value ${hex(r.d)}` };
    }
    case 'psci': {
      const name = `PSCI ${PSCI_FUNCTIONS.get(r.code) ?? hex(BigInt(r.code >>> 0))}`;
      return { category: 'firmware', name, detail: `${name}(${hex(r.a)}, ${hex(r.b)}, ${hex(r.c)}) = ${signed(r.d)}` };
    }
    case 'mmio': {
      const write = (r.aux & 0x100) !== 0;
      const size = r.aux & 0xff;
      const what = TRAP_KIND_NAMES[r.code] ?? TRAP_KIND_NAMES[0];
      const name = `${what} ${write ? 'write' : 'read'}`;
      return { category: 'mmio', name, detail: `${name} ${size} bytes at ${hex(r.a)} ${write ? '<-' : '->'} ${hex(r.b)} (pc ${hex(r.c)})` };
    }
    case 'fault': {
      const at = BigInt.asIntN(64, r.a) === -1n ? 'no address' : `${r.aux & 1 ? 'write' : 'access'} at ${hex(r.a)}`;
      return { category: 'fault', name: 'zone fault', detail: `zone fault: ${at} (pc ${hex(r.b)})` };
    }
    case 'ipi':
      return { category: 'ipi', name: 'IPI', detail: `IPI ${r.b !== 0n ? `SGI ${r.b} ` : ''}to ${hex(r.a)}` };
    case 'zoneStart':
      return { category: 'zone', name: 'zone start', detail: `zone ${r.zone} started on CPU mask ${hex(r.b)}` };
    case 'zoneStop':
      return { category: 'zone', name: 'zone shutdown', detail: `zone ${r.zone} shut down${r.cpu >= 0 ? ` from CPU ${r.cpu}` : ''}` };
    case 'zoneError':
      return { category: 'zone', name: 'zone error', detail: `zone ${r.zone} stopped on an error` };
    case 'dma': {
      const bdf = `${((r.code >> 8) & 0xff).toString(16).padStart(2, '0')}:${((r.code >> 3) & 0x1f).toString(16).padStart(2, '0')}.${r.code & 7}`;
      return { category: 'fault', name: 'DMA blocked', detail: `DMA ${r.aux & 1 ? 'write' : 'read'} of ${r.b} bytes at ${hex(r.a)} by ${bdf} of zone ${r.zone} blocked` };
    }
    default:
      return { category: 'zone', name: `event ${r.kind}`, detail: `unknown hypervisor event ${r.kind}` };
  }
}
