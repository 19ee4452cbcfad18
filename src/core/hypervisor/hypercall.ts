/**
 * hvisor's hypercall dispatcher (src/hypercall/mod.rs HyperCall::hypercall, v0.4 codes 0-6 and 20),
 * whatever the architecture: a code and two arguments in, one result out (the value, or -errno). How a
 * zone passes them is the arch's register ABI: riscv64 an SBI call (arch/riscv64/hypercall-abi.ts:
 * a0..a2 in, a0/a1 out), aarch64 an HVC (arch/aarch64/hypercall-abi.ts: x0..x2 in, x0 out). Code and
 * arguments are full 64-bit values: hvisor matches the code as a u64 (`HyperCallCode` is `repr(u64)`)
 * and finds zones by a usize id. Pointers are root-physical addresses in hvisor (the root is identity
 * mapped); here they go through the calling zone's stage-2 map, which is the same thing for the root.
 */
import { HvEventKind } from './hv-trace';
import type { VirtioBridgeRouter } from '../virtio/virtio-bridge-base';
import { decodeZoneConfig, ZONE_CONFIG_MAGIC, zoneConfigSize } from './zone-config-binary';
import { Errno, type Hypervisor } from './hypervisor';
import type { ZoneRuntime } from './zone-runtime';
import type { AddressSpace } from '../bus/address-space';
import type { Stage2Map } from './stage2-map';

export const HypercallCode = {
  virtioInit: 0,
  virtioInjectIrq: 1,
  zoneStart: 2,
  zoneShutdown: 3,
  zoneList: 4,
  ivcInfo: 5,
  configCheck: 6,
  clearInjectIrq: 20,
} as const;

/** sizeof(ZoneInfo): u32 zone_id, u64 cpus, u8 name[32], u8 is_err, repr(C). */
export const ZONE_INFO_SIZE = 56;

export interface HypercallContext {
  readonly hypervisor: Hypervisor;
  readonly zoneId: number;
  readonly hart: number;
  /** Reads guest memory of the calling zone; undefined where it has no RAM. */
  readGuest(address: number, length: number): Uint8Array | undefined;
  writeGuest(address: number, bytes: Uint8Array): boolean;
  /**
   * The root-physical address of the calling zone's RAM at `address` (hvisor's hv_get_real_pa);
   * without it the zone is taken as identity mapped, as hvisor's root is.
   */
  physicalOf?(address: number, length: number): number | undefined;
  log(message: string): void;
  /** Virtio bridge calls (codes 0 and 1), answered by the management side; absent without virtio. */
  virtio?: VirtioHypercalls;
  /** HvIvcInfo's bytes for a zone (ivc.ts), where the architecture has IVC; undefined: the zone has none. */
  ivcInfo?(zoneId: number): Uint8Array | undefined;
}

export interface VirtioHypercalls {
  /**
   * A page-aligned root-physical page the root offers as the bridge (already checked). Returns why the
   * bridge cannot move (deterministic mode), or undefined when it moved.
   */
  init(bridgeAddress: number): string | undefined;
  /**
   * Drains the bridge's res_list and injects each IRQ into its zone. Returns why it could not (a
   * res_list hvisor would panic or hang on), or undefined.
   */
  injectIrq(): string | undefined;
}

const PAGE = 0x1000;
const U32_MAX = 0xffff_ffffn;

/** A zone's RAM as hypercalls (and the SBI) reach it: through its stage-2 map's RAM regions, as they are now. */
export interface GuestMemory {
  readGuest(address: number, length: number): Uint8Array | undefined;
  writeGuest(address: number, bytes: Uint8Array): boolean;
  physicalOf(address: number, length: number): number | undefined;
}

export function guestMemory(map: Stage2Map, bus: AddressSpace): GuestMemory {
  const ram = bus.ram;
  /** The offset in the bus's RAM of [gpa, gpa + length) when a RAM region of the zone holds it all. */
  const guestRange = (gpa: number, length: number): number | undefined => {
    const r = map.regionAt(gpa, length);
    if (!r || r.kind !== 'ram') return undefined;
    const hpa = gpa - r.guestStart + r.hostStart;
    return bus.isRam(hpa, Math.max(length, 1)) ? hpa - ram.base : undefined;
  };
  return {
    readGuest(gpa, length) {
      const offset = guestRange(gpa, length);
      return offset === undefined ? undefined : ram.u8.slice(offset, offset + length);
    },
    writeGuest(gpa, bytes) {
      const offset = guestRange(gpa, bytes.length);
      if (offset === undefined) return false;
      ram.u8.set(bytes, offset);
      return true;
    },
    physicalOf(gpa, length) {
      const offset = guestRange(gpa, length);
      return offset === undefined ? undefined : offset + ram.base;
    },
  };
}

/**
 * HyperCall::hypercall (src/hypercall/mod.rs:61-103): runs hypercall `code64` with its two arguments for
 * the calling zone and returns the result, the value or -errno, for the arch's ABI to hand back.
 */
export function dispatchHypercall(code: bigint, first: bigint, second: bigint, context: HypercallContext): number {
  const trace = context.hypervisor.trace;
  // Stamped when the call began: a zone_shutdown's record comes before the shutdown it makes.
  const began = trace?.on ? trace.now() : 0;
  const result = dispatch(BigInt.asUintN(64, code), BigInt.asUintN(64, first), BigInt.asUintN(64, second), context);
  if (trace?.on) {
    const code64 = BigInt.asUintN(64, code);
    trace.record(HvEventKind.hypercall, context.zoneId, context.hart, code64 <= 0xffffffffn ? Number(code64) | 0 : -1, 0, first, second, BigInt(result), 0n, began);
  }
  return result;
}

function dispatch(code64: bigint, arg0: bigint, arg1: bigint, context: HypercallContext): number {
  const isRoot = context.zoneId === 0;
  const { hypervisor } = context;
  // Codes above 32 bits are unknown codes, not their low word (hvisor HyperCallCode::try_from(u64)).
  const code = code64 <= U32_MAX ? Number(code64) : -1;
  switch (code) {
    case HypercallCode.virtioInit: {
      if (!isRoot) return refuse(context, -Errno.EPERM, 'Init virtio over non-root zones: unsupported!');
      // hvisor asserts the bridge is page aligned (src/hypercall/mod.rs hv_virtio_init: assert!(pa % PAGE_SIZE == 0)).
      if (arg0 % BigInt(PAGE) !== 0n) {
        const result = hypervisor.guestPanic(`virtio init: bridge address 0x${arg0.toString(16)} is not page aligned`);
        context.log(result.message);
        return result.code;
      }
      if (!context.readGuest(Number(arg0), PAGE)) return refuse(context, -Errno.EFAULT, `virtio init: 0x${arg0.toString(16)} is not a RAM page of the root zone`);
      const physical = context.physicalOf ? context.physicalOf(Number(arg0), PAGE) : Number(arg0);
      if (physical === undefined) return refuse(context, -Errno.EFAULT, `virtio init: 0x${arg0.toString(16)} is not a RAM page of the root zone`);
      const refused = context.virtio?.init(physical);
      if (refused) return refuse(context, -Errno.EBUSY, refused);
      return 0;
    }
    case HypercallCode.virtioInjectIrq:
      if (!isRoot) return refuse(context, -Errno.EPERM, 'Virtio send irq operation over non-root zones: unsupported!');
      const problem = context.virtio?.injectIrq();
      if (problem) {
        const result = hypervisor.guestPanic(problem);
        context.log(result.message);
        return result.code;
      }
      return 0;
    case HypercallCode.zoneStart: {
      if (!isRoot) return -Errno.EPERM;
      // sizeof(HvZoneConfig) of the board's architecture (riscv64 3080, aarch64 3136).
      const arch = hypervisor.board.arch;
      const size = zoneConfigSize(arch);
      if (arg1 !== BigInt(size)) {
        context.log(`zone start: config size ${arg1} is not sizeof(HvZoneConfig) = ${size} (${arch})`);
        return -Errno.EINVAL;
      }
      const bytes = context.readGuest(Number(arg0), size);
      if (!bytes) return -Errno.EFAULT;
      let config;
      try {
        config = decodeZoneConfig(bytes, `HvZoneConfig at 0x${arg0.toString(16)}`, arch);
      } catch (error) {
        context.log(`zone start: ${(error as Error).message}`);
        return -Errno.EINVAL;
      }
      const result = hypervisor.startZone(config, bytes);
      context.log(result.message);
      return result.code;
    }
    case HypercallCode.zoneShutdown: {
      if (!isRoot) return -Errno.EPERM;
      // Zone ids are u32 in HvZoneConfig but compared as usize: 2^32 + 1 names no zone, not zone 1.
      if (arg0 > U32_MAX) return refuse(context, -Errno.EINVAL, `Shutdown zone: zone ${arg0} not found!`);
      const result = hypervisor.shutdownZone(Number(arg0), context.hart);
      context.log(result.message);
      return result.code;
    }
    case HypercallCode.zoneList: {
      // hvisor checks the pointer before anything else (src/hypercall/mod.rs hv_zone_list).
      if (arg0 === 0n) return refuse(context, -Errno.EINVAL, 'hv_zone_list: zones is null');
      const zones = hypervisor.list();
      const count = arg1 < BigInt(zones.length) ? Number(arg1) : zones.length;
      const out = new Uint8Array(ZONE_INFO_SIZE * count);
      const view = new DataView(out.buffer);
      zones.slice(0, count).forEach((zone, i) => {
        const base = i * ZONE_INFO_SIZE;
        view.setUint32(base, zone.zoneId, true);
        view.setBigUint64(base + 8, BigInt(zone.cpus >>> 0), true);
        for (let c = 0; c < Math.min(32, zone.name.length); c++) out[base + 16 + c] = zone.name.charCodeAt(c) & 0xff;
        out[base + 48] = zone.isErr ? 1 : 0;
      });
      if (count > 0 && !context.writeGuest(Number(arg0), out)) return -Errno.EFAULT;
      return count;
    }
    case HypercallCode.ivcInfo: {
      // hv_ivc_info (arch/aarch64/hypercall.rs:27-47); riscv64's warns and returns 0.
      if (!context.ivcInfo) {
        context.log('hypercall HvIvcInfo: hvisor has no IVC on this architecture (it warns and returns 0)');
        return 0;
      }
      const info = context.ivcInfo(context.zoneId);
      if (!info) return refuse(context, -Errno.ENODEV, `Zone ${context.zoneId} has no ivc config!`);
      // hvisor translates the IPA with page_table_query(...).unwrap(): an unmapped address panics it.
      if (!context.writeGuest(Number(arg0), info)) {
        const result = hypervisor.guestPanic(`HvIvcInfo: 0x${arg0.toString(16)} is not RAM of zone ${context.zoneId} (hvisor unwraps the stage-2 lookup and panics)`);
        context.log(result.message);
        return result.code;
      }
      return 0;
    }
    case HypercallCode.configCheck: {
      const magic = new Uint8Array(8);
      magic[0] = ZONE_CONFIG_MAGIC;
      return context.writeGuest(Number(arg0), magic) ? 0 : -Errno.EFAULT;
    }
    case HypercallCode.clearInjectIrq:
      return 0;
    default:
      context.log(`unknown hypercall code ${code64}`);
      return 0;
  }
}

function refuse(context: HypercallContext, code: number, message: string): number {
  context.log(message);
  return code;
}

/**
 * Codes 0 and 1 against hvisor's virtio bridge as `bridge` finds it. Code 0 is hv_virtio_init: the
 * bridge moves to the root's page (set_base_addr; every producer follows the shared base word) and
 * the root's own hvisor-tool serves virtio from then on; calling it again moves it again, as in
 * hvisor. Code 1 is hv_virtio_inject_irq (src/hypercall/mod.rs:134-171): take every result in the
 * current bridge's res_list, skip those whose zone is gone, inject the rest as virtual (non-hw) IRQs
 * into their zone's virtual interrupt controller, advancing res_front.
 */
export function bridgeHypercalls(runtime: ZoneRuntime, bridge: VirtioBridgeRouter, log: (message: string) => void): VirtioHypercalls {
  return {
    init(address) {
      // The trapping CPU holds the baton while it waits for the answer; the root's hvisor-tool would need
      // a turn of its own CPU to give it, so the machine would stand still (workbench refusal, labelled).
      if (runtime.answersEveryVirtioRequest) {
        return `virtio init refused by the workbench: in deterministic mode (decision 0025) the root zone's hvisor-tool cannot serve virtio (a zone's CPU waiting for its answer holds the only turn); the workbench's daemon keeps serving`;
      }
      const previous = bridge.base.move(address);
      const page = `0x${address.toString(16)}`;
      if (previous === 0) {
        log(`virtio bridge moved to the root's page ${page}: the root zone's hvisor-tool serves virtio from now on; the workbench's daemon stands down`);
      } else {
        log(`virtio bridge moved from the root's page 0x${previous.toString(16)} to ${page} (hypercall 0 again): requests go to the new page from now on`);
      }
      return undefined;
    },
    injectIrq() {
      const { view, table } = runtime;
      const consumer = bridge.consumer();
      if (!consumer.resultIndicesValid()) {
        const snapshot = consumer.snapshot();
        return `virtio inject irq: res_front ${snapshot.res_front! >>> 0} / res_rear ${snapshot.res_rear! >>> 0} of the bridge at 0x${bridge.base.address.toString(16)} are not ring indices (0..31)`;
      }
      view.lock.acquire();
      try {
        for (const { zone, irq } of consumer.drainResults()) {
          const slot = table.byId(zone);
          const chip = slot ? runtime.virtualIrqChipOf(slot) : undefined;
          if (chip) chip.inject(irq, false);
          else if (slot) log(`virtio inject irq: zone ${zone} has no virtual interrupt controller, irq ${irq} dropped`);
        }
      } finally {
        view.lock.release();
      }
      return undefined;
    },
  };
}
