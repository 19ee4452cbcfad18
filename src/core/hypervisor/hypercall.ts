/**
 * hvisor's hypercalls as a riscv64 zone makes them: `ecall` with a7 = 0x114514 (EID_HVISOR), the
 * code in a0 and arguments in a1/a2; the result comes back as an SBI return, a0 = 0 or -1 (FAILED)
 * and a1 = the value or -errno (src/hypercall/mod.rs, v0.4 codes 0-6 and 20).
 * Pointers are root-physical addresses in hvisor (the root is identity mapped); here they go through
 * the calling zone's stage-2 map, which is the same thing for the root.
 */
import type { HartApi } from '../isa/riscv64/platform';
import { decodeZoneConfig, ZONE_CONFIG_MAGIC, ZONE_CONFIG_SIZE } from './zone-config-binary';
import { Errno, type Hypervisor } from './hypervisor';

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
  log(message: string): void;
  /** Virtio bridge calls (codes 0 and 1); absent until virtio is wired. */
  virtio?: {
    init(bridgeAddress: number): number;
    injectIrq(): number;
  };
}

const A0 = 10;
const A1 = 11;
const A2 = 12;

export function handleHypercall(hart: HartApi, context: HypercallContext): void {
  const code = Number(hart.getX(A0) & 0xffffffffn);
  const arg0 = hart.getX(A1);
  const arg1 = hart.getX(A2);
  const result = dispatch(code, arg0, arg1, context);
  hart.setX(A0, result < 0 ? -1n : 0n);
  hart.setX(A1, BigInt(result));
}

function dispatch(code: number, arg0: bigint, arg1: bigint, context: HypercallContext): number {
  const isRoot = context.zoneId === 0;
  const { hypervisor } = context;
  switch (code) {
    case HypercallCode.virtioInit:
      if (!isRoot) return -Errno.EPERM;
      return context.virtio ? context.virtio.init(Number(arg0)) : 0;
    case HypercallCode.virtioInjectIrq:
      if (!isRoot) return -Errno.EPERM;
      return context.virtio ? context.virtio.injectIrq() : 0;
    case HypercallCode.zoneStart: {
      if (!isRoot) return -Errno.EPERM;
      if (arg1 !== BigInt(ZONE_CONFIG_SIZE)) {
        context.log(`zone start: config size ${arg1} is not sizeof(HvZoneConfig) = ${ZONE_CONFIG_SIZE}`);
        return -Errno.EINVAL;
      }
      const bytes = context.readGuest(Number(arg0), ZONE_CONFIG_SIZE);
      if (!bytes) return -Errno.EFAULT;
      let config;
      try {
        config = decodeZoneConfig(bytes, `HvZoneConfig at 0x${arg0.toString(16)}`);
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
      const result = hypervisor.shutdownZone(Number(BigInt.asUintN(32, arg0)), context.hart);
      context.log(result.message);
      return result.code;
    }
    case HypercallCode.zoneList: {
      const zones = hypervisor.list();
      const count = Math.min(Number(BigInt.asUintN(32, arg1)), zones.length);
      const out = new Uint8Array(ZONE_INFO_SIZE * count);
      const view = new DataView(out.buffer);
      zones.slice(0, count).forEach((zone, i) => {
        const base = i * ZONE_INFO_SIZE;
        view.setUint32(base, zone.zoneId, true);
        view.setUint32(base + 8, zone.cpus, true);
        for (let c = 0; c < Math.min(32, zone.name.length); c++) out[base + 16 + c] = zone.name.charCodeAt(c) & 0xff;
        out[base + 48] = zone.isErr ? 1 : 0;
      });
      if (count > 0 && !context.writeGuest(Number(arg0), out)) return -Errno.EFAULT;
      return count;
    }
    case HypercallCode.ivcInfo:
      context.log('hypercall HvIvcInfo: IVC is only implemented on aarch64');
      return 0;
    case HypercallCode.configCheck: {
      const magic = new Uint8Array(8);
      magic[0] = ZONE_CONFIG_MAGIC;
      return context.writeGuest(Number(arg0), magic) ? 0 : -Errno.EFAULT;
    }
    case HypercallCode.clearInjectIrq:
      return 0;
    default:
      context.log(`unknown hypercall code ${code}`);
      return 0;
  }
}
