import { describe, expect, it } from 'vitest';
import { bridgeHypercalls, HypercallCode, ZONE_INFO_SIZE } from '../../../../src/core/hypervisor/hypercall';
import { handleHypercall } from '../../../../src/core/hypervisor/arch/riscv64/hypercall-abi';
import { regionOf } from '../../../../src/core/machine/shared-layout';
import { BridgeOffset, VirtioBridgeConsumer } from '../../../../src/core/virtio/virtio-bridge';
import { bridgePageAt } from '../../../../src/core/virtio/virtio-bridge-base';
import { encodeZoneConfig, ZONE_CONFIG_SIZE } from '../../../../src/core/hypervisor/zone-config-binary';
import { rootZoneConfig, type ZoneConfig } from '../../../../src/shared/model/zone-config';
import { HartWord, HsmState } from '../../../../src/core/cpu/hart-header';
import type { HartApi } from '../../../../src/core/isa/riscv64/platform';
import { rootedRuntime } from '../../../helpers/zone-runtime';

class Regs implements HartApi {
  readonly x = new Array<bigint>(32).fill(0n);
  constructor(readonly hartId: number) {}
  get cpuId(): number {
    return this.hartId;
  }
  getX(i: number): bigint { return this.x[i]!; }
  setX(i: number, v: bigint): void { this.x[i] = BigInt.asIntN(64, v); }
  getPc(): bigint { return 0n; }
  setPc(): void {}
  getPrivilege(): number { return 1; }
}

function machine() {
  const { board, plan, view, logs, runtime } = rootedRuntime();
  const ram = view.bus.ram;
  const memory = {
    readGuest: (a: number, n: number) => (view.bus.isRam(a, n) ? ram.u8.slice(a - ram.base, a - ram.base + n) : undefined),
    writeGuest: (a: number, b: Uint8Array) => {
      if (!view.bus.isRam(a, b.length)) return false;
      ram.u8.set(b, a - ram.base);
      return true;
    },
  };
  const bridge = regionOf(plan.layout, view.buffer, 'virtio-bridge');
  const virtio = bridgeHypercalls(runtime, runtime.virtioBridge!, (l) => logs.push(l));
  return { board, view, runtime, logs, memory, ram, bridge, virtio };
}

function call(m: ReturnType<typeof machine>, zoneId: number, code: number | bigint, arg0 = 0n, arg1 = 0n) {
  const regs = new Regs(0);
  regs.setX(10, BigInt(code));
  regs.setX(11, arg0);
  regs.setX(12, arg1);
  handleHypercall(regs, { hypervisor: m.runtime.hypervisor, zoneId, hart: 0, log: (l) => m.logs.push(l), ...m.memory, virtio: m.virtio });
  return { error: regs.getX(10), value: regs.getX(11) };
}

const zone1: (root: ZoneConfig) => ZoneConfig = (root) => ({
  ...root,
  source: 'test',
  root: false,
  zoneId: 1,
  name: 'linux1',
  cpus: [2, 3],
  memoryRegions: [{ type: 'ram', physicalStart: 0x8800_0000, virtualStart: 0x8800_0000, size: 0x0100_0000 }],
  interrupts: [7],
  entryPoint: 0x8800_0000,
  kernelLoadPaddr: 0x8800_0000,
  dtbLoadPaddr: 0x8880_0000,
});

describe('hvisor hypercalls (riscv ABI)', () => {
  it('config check writes CONFIG_MAGIC_VERSION 0x5', () => {
    const m = machine();
    expect(call(m, 0, HypercallCode.configCheck, 0x8800_0000n)).toEqual({ error: 0n, value: 0n });
    expect(m.ram.view.getBigUint64(0x0800_0000, true)).toBe(5n);
  });

  it('zone start reads the 3080-byte HvZoneConfig from root-physical memory and releases the boot hart', () => {
    const m = machine();
    const bytes = encodeZoneConfig(zone1(rootZoneConfig(m.board)));
    m.ram.u8.set(bytes, 0x0900_0000);
    expect(call(m, 0, HypercallCode.zoneStart, 0x8900_0000n, BigInt(ZONE_CONFIG_SIZE))).toEqual({ error: 0n, value: 0n });
    const header = m.view.headers[2]!;
    expect(Atomics.load(header, HartWord.hsm)).toBe(HsmState.startPending);
    expect(Atomics.load(header, HartWord.hsmOpaqueLo) >>> 0).toBe(0x8880_0000);
    expect(Atomics.load(m.view.headers[3]!, HartWord.hsm)).toBe(HsmState.stopped);
    // Same id again: EINVAL; a config size that is not sizeof(HvZoneConfig): EINVAL.
    expect(call(m, 0, HypercallCode.zoneStart, 0x8900_0000n, BigInt(ZONE_CONFIG_SIZE))).toEqual({ error: -1n, value: -22n });
    expect(call(m, 0, HypercallCode.zoneStart, 0x8900_0000n, 3136n)).toEqual({ error: -1n, value: -22n });
  });

  it("gives the boot hart hvisor's dtb_ipa: the DTB seen through any region holding it, else INVALID_ADDRESS", () => {
    const opaque = (config: ZoneConfig): bigint => {
      const m = machine();
      m.ram.u8.set(encodeZoneConfig(config), 0x0900_0000);
      expect(call(m, 0, HypercallCode.zoneStart, 0x8900_0000n, BigInt(ZONE_CONFIG_SIZE)).value).toBe(0n);
      const header = m.view.headers[2]!;
      return (BigInt(Atomics.load(header, HartWord.hsmOpaqueLo + 1) >>> 0) << 32n) | BigInt(Atomics.load(header, HartWord.hsmOpaqueLo) >>> 0);
    };
    const base = zone1(rootZoneConfig(machine().board));
    // A DTB outside every region: hvisor passes usize::MAX, not the physical address.
    expect(opaque({ ...base, dtbLoadPaddr: 0x8a00_0000 })).toBe(0xffff_ffff_ffff_ffffn);
    // A region of any type counts (here an io window the DTB was placed in), translated to its guest address.
    const io = { type: 'io' as const, physicalStart: 0x8a00_0000, virtualStart: 0x4000_0000, size: 0x0010_0000 };
    expect(opaque({ ...base, memoryRegions: [...base.memoryRegions, io], dtbLoadPaddr: 0x8a00_2000 })).toBe(0x4000_2000n);
  });

  it('refuses a CPU that already belongs to a zone with EBUSY', () => {
    const m = machine();
    const clash = { ...zone1(rootZoneConfig(m.board)), cpus: [1, 2] };
    m.ram.u8.set(encodeZoneConfig(clash), 0x0900_0000);
    expect(call(m, 0, HypercallCode.zoneStart, 0x8900_0000n, BigInt(ZONE_CONFIG_SIZE))).toEqual({ error: -1n, value: -16n });
    expect(m.logs.at(-1)).toContain('cpu 1 already belongs to zone 0');
  });

  it('only the root zone may start or shut down zones', () => {
    const m = machine();
    expect(call(m, 1, HypercallCode.zoneStart, 0x8900_0000n, BigInt(ZONE_CONFIG_SIZE)).value).toBe(-1n);
    expect(call(m, 1, HypercallCode.zoneShutdown, 0n).value).toBe(-1n);
    expect(call(m, 0, HypercallCode.zoneShutdown, 0n).value).toBe(-22n);
    expect(call(m, 0, HypercallCode.zoneShutdown, 9n).value).toBe(-22n);
  });

  it('zone list writes 56-byte ZoneInfo records and returns how many', () => {
    const m = machine();
    m.ram.u8.set(encodeZoneConfig(zone1(rootZoneConfig(m.board))), 0x0900_0000);
    call(m, 0, HypercallCode.zoneStart, 0x8900_0000n, BigInt(ZONE_CONFIG_SIZE));
    expect(call(m, 1, HypercallCode.zoneList, 0x8a00_0000n, 32n)).toEqual({ error: 0n, value: 2n });
    const view = m.ram.view;
    const record = (i: number) => {
      const base = 0x0a00_0000 + i * ZONE_INFO_SIZE;
      const name = String.fromCharCode(...m.ram.u8.subarray(base + 16, base + 48)).replace(/\0+$/, '');
      return { id: view.getUint32(base, true), cpus: view.getUint32(base + 8, true), name, err: m.ram.u8[base + 48] };
    };
    expect([record(0), record(1)]).toEqual([
      { id: 0, cpus: 0b11, name: 'root-linux', err: 0 },
      { id: 1, cpus: 0b1100, name: 'linux1', err: 0 },
    ]);
    expect(call(m, 0, HypercallCode.zoneList, 0x8a00_0000n, 1n).value).toBe(1n);
  });

  it('refuses a NULL zone list pointer with EINVAL before writing anything', () => {
    const m = machine();
    expect(call(m, 0, HypercallCode.zoneList, 0n, 32n)).toEqual({ error: -1n, value: -22n });
    expect(m.logs.at(-1)).toBe('hv_zone_list: zones is null');
  });

  it('writes the cpus bitmap as the u64 it is in ZoneInfo', () => {
    const m = machine();
    m.ram.u8.fill(0xff, 0x0a00_0000, 0x0a00_0000 + ZONE_INFO_SIZE);
    expect(call(m, 0, HypercallCode.zoneList, 0x8a00_0000n, 1n).value).toBe(1n);
    expect(m.ram.view.getBigUint64(0x0a00_0000 + 8, true)).toBe(0b11n);
  });

  it('reads codes and zone ids as 64-bit values', () => {
    const m = machine();
    m.ram.u8.set(encodeZoneConfig(zone1(rootZoneConfig(m.board))), 0x0900_0000);
    call(m, 0, HypercallCode.zoneStart, 0x8900_0000n, BigInt(ZONE_CONFIG_SIZE));
    // 2^32 + 4 is an unknown code (0, with a warning), not zone list: nothing is written.
    expect(call(m, 0, (1n << 32n) + 4n, 0x8a00_0000n, 32n)).toEqual({ error: 0n, value: 0n });
    expect(m.logs.at(-1)).toBe('unknown hypercall code 4294967300');
    expect(m.ram.view.getUint32(0x0a00_0000 + 16, true)).toBe(0);
    // Shutting down 2^32 + 1 finds no zone; zone 1 keeps running.
    expect(call(m, 0, HypercallCode.zoneShutdown, (1n << 32n) + 1n)).toEqual({ error: -1n, value: -22n });
    expect(m.runtime.hypervisor.list().map((z) => z.zoneId)).toEqual([0, 1]);
  });

  it('virtio inject IRQ (1) drains res_list into the zones\' vPLICs, root only', () => {
    const m = machine();
    m.ram.u8.set(encodeZoneConfig(zone1(rootZoneConfig(m.board))), 0x0900_0000);
    call(m, 0, HypercallCode.zoneStart, 0x8900_0000n, BigInt(ZONE_CONFIG_SIZE));
    const daemon = new VirtioBridgeConsumer(m.bridge);
    daemon.pushResult(1, 7);
    daemon.pushResult(9, 5);
    const chip = m.runtime.virtualIrqChipOf(m.runtime.table.byId(1)!)!;
    const pending = () => chip.inspectState().lines.rows.find((r) => r.key === '7')?.cells.pending === true;
    // Another zone may not: EPERM, and the results stay queued.
    expect(call(m, 1, HypercallCode.virtioInjectIrq)).toEqual({ error: -1n, value: -1n });
    expect(daemon.pendingResults()).toBe(2);
    expect(pending()).toBe(false);
    expect(call(m, 0, HypercallCode.virtioInjectIrq)).toEqual({ error: 0n, value: 0n });
    expect(daemon.pendingResults()).toBe(0);
    expect(pending()).toBe(true);
  });

  it('virtio init (0) is root only and wants a page-aligned RAM page', () => {
    const m = machine();
    expect(call(m, 1, HypercallCode.virtioInit, 0x8a00_0000n)).toEqual({ error: -1n, value: -1n });
    expect(call(m, 0, HypercallCode.virtioInit, 0x8a00_0010n)).toEqual({ error: -1n, value: -22n });
    expect(m.logs.at(-1)).toContain('not page aligned (hvisor would panic here)');
    expect(call(m, 0, HypercallCode.virtioInit, 0x8a00_0000n)).toEqual({ error: 0n, value: 0n });
  });

  it('answers unknown codes with 0 and a warning, as hvisor does', () => {
    const m = machine();
    expect(call(m, 0, 77)).toEqual({ error: 0n, value: 0n });
    expect(m.logs.at(-1)).toBe('unknown hypercall code 77');
  });
});

describe('hypercall 0 moves hvisor\'s virtio bridge into the root zone', () => {
  const PAGE_A = 0x8a00_0000;
  const PAGE_B = 0x8a00_1000;
  const notify = { cpu: 2, zone: 1, address: 0x1000_6050, size: 4, value: 0n, isWrite: true, needInterrupt: true };
  const withZone1 = () => {
    const m = machine();
    m.ram.u8.set(encodeZoneConfig(zone1(rootZoneConfig(m.board))), 0x0900_0000);
    call(m, 0, HypercallCode.zoneStart, 0x8900_0000n, BigInt(ZONE_CONFIG_SIZE));
    const page = (address: number) => new VirtioBridgeConsumer(bridgePageAt(m.view.bus.ram, address)!);
    const pending = (zone: number, irq: number) =>
      m.runtime.virtualIrqChipOf(m.runtime.table.byId(zone)!)!.inspectState().lines.rows.find((r) => r.key === String(irq))?.cells.pending === true;
    return { ...m, page, pending, home: new VirtioBridgeConsumer(m.bridge), router: m.runtime.virtioBridge! };
  };

  it('sends requests to the root\'s page, wakes the root with IRQ_WAKEUP_VIRTIO_DEVICE and drains res_list from there', () => {
    const m = withZone1();
    expect(call(m, 0, HypercallCode.virtioInit, BigInt(PAGE_A))).toEqual({ error: 0n, value: 0n });
    expect(m.router.base.address).toBe(PAGE_A);
    expect(m.logs.at(-1)).toBe(
      "virtio bridge moved to the root's page 0x8a000000: the root zone's hvisor-tool serves virtio from now on; the workbench's daemon stands down",
    );
    const root = m.page(PAGE_A);
    // The root's daemon sleeps (need_wakeup = 1, as hvisor-tool sets it before epoll_wait).
    m.ram.u8[PAGE_A - m.ram.base + BridgeOffset.needWakeup] = 1;
    expect(m.router.access(notify)).toBe(0n);
    expect(root.pendingRequests()).toBe(1);
    expect(m.home.pendingRequests()).toBe(0);
    expect(m.pending(0, m.board.virtioWakeupIrq!)).toBe(true);
    // Nothing of the workbench's own format is written into the root's page.
    expect(m.ram.view.getUint32(PAGE_A - m.ram.base + BridgeOffset.producerLock, true)).toBe(0);
    const seen: unknown[] = [];
    root.drain((request) => void seen.push(request));
    expect(seen).toEqual([notify]);
    // The root's daemon completes: {zone 1, irq 7} in its res_list, then hypercall 1.
    root.pushResult(1, 7);
    m.home.pushResult(1, 9);
    expect(call(m, 0, HypercallCode.virtioInjectIrq)).toEqual({ error: 0n, value: 0n });
    expect(root.pendingResults()).toBe(0);
    expect(m.pending(1, 7)).toBe(true);
    // The workbench's own res_list is not hvisor's bridge any more.
    expect(m.home.pendingResults()).toBe(1);
    expect(m.pending(1, 9)).toBe(false);
  });

  it('does not wake the root while its daemon polls (need_wakeup = 0)', () => {
    const m = withZone1();
    call(m, 0, HypercallCode.virtioInit, BigInt(PAGE_A));
    m.router.access(notify);
    expect(m.page(PAGE_A).pendingRequests()).toBe(1);
    expect(m.pending(0, m.board.virtioWakeupIrq!)).toBe(false);
  });

  it('answers a waiting access from the root page\'s cfg_values', () => {
    const m = withZone1();
    call(m, 0, HypercallCode.virtioInit, BigInt(PAGE_A));
    const root = m.page(PAGE_A);
    const read = { ...notify, address: 0x1000_6000, isWrite: false, needInterrupt: false };
    // The abort check runs between wait slices: the root's daemon answers there.
    const value = m.router.access(read, {
      sliceMs: 1,
      abort: () => {
        root.drain((r) => (r.address === 0x1000_6000 ? 0x7472_6976 : 0));
        return false;
      },
    });
    expect(value).toBe(0x7472_6976n);
  });

  it('moves again on a repeated hypercall 0, as hvisor does', () => {
    const m = withZone1();
    call(m, 0, HypercallCode.virtioInit, BigInt(PAGE_A));
    expect(call(m, 0, HypercallCode.virtioInit, BigInt(PAGE_B))).toEqual({ error: 0n, value: 0n });
    expect(m.logs.at(-1)).toContain("virtio bridge moved from the root's page 0x8a000000 to 0x8a001000");
    m.router.access(notify);
    expect(m.page(PAGE_B).pendingRequests()).toBe(1);
    expect(m.page(PAGE_A).pendingRequests()).toBe(0);
  });

  it('keeps the bridge where it is on a refused hypercall 0', () => {
    const m = withZone1();
    expect(call(m, 1, HypercallCode.virtioInit, BigInt(PAGE_A)).value).toBe(-1n);
    expect(call(m, 0, HypercallCode.virtioInit, BigInt(PAGE_A + 0x10)).value).toBe(-22n);
    expect(call(m, 0, HypercallCode.virtioInit, 0x1000_0000n).value).toBe(-14n);
    expect(m.router.base.address).toBe(0);
    call(m, 0, HypercallCode.virtioInit, BigInt(PAGE_A));
    expect(call(m, 0, HypercallCode.virtioInit, 0x1_0000_0000_0000n).value).toBe(-14n);
    expect(m.router.base.address).toBe(PAGE_A);
  });

  it('refuses a res_list hvisor would panic or hang on, and injects nothing', () => {
    const m = withZone1();
    call(m, 0, HypercallCode.virtioInit, BigInt(PAGE_A));
    m.ram.view.setUint32(PAGE_A - m.ram.base + BridgeOffset.resRear, 1000, true);
    expect(call(m, 0, HypercallCode.virtioInjectIrq)).toEqual({ error: -1n, value: -22n });
    expect(m.logs.at(-1)).toContain('res_front 0 / res_rear 1000 of the bridge at 0x8a000000 are not ring indices (0..31) (hvisor would panic here)');
  });

  it('comes back to the workbench when the root zone restarts', () => {
    const m = withZone1();
    call(m, 0, HypercallCode.virtioInit, BigInt(PAGE_A));
    const rootSlot = m.runtime.table.byId(0)!;
    m.runtime.hypervisor.stopSlot(rootSlot);
    expect(m.router.base.address).toBe(0);
    expect(m.logs).toContain("virtio bridge back in the workbench's own region: the root zone restarted; the workbench's daemon serves virtio again");
    const root = rootZoneConfig(m.board);
    expect(m.runtime.hypervisor.startZone(root, encodeZoneConfig(root)).code).toBe(0);
    m.router.access(notify);
    expect(m.home.pendingRequests()).toBe(1);
    expect(m.page(PAGE_A).pendingRequests()).toBe(0);
  });
});

