/**
 * The device tree handed to the root guest: for a supervisor layout the root zone's own view (its
 * CPUs, RAM, passthrough devices, virtual interrupt controller; other zones' RAM reserved), for a
 * machine layout the whole board, like QEMU's virt machine gives firmware.
 */
import { randomBytes } from 'node:crypto';
import type { Board } from '../shared/model/board';
import type { ZoneConfig } from '../shared/model/zone-config';
import { boardDtb } from '../core/fdt/board-dtb';
import { zoneTreeInput } from '../core/hypervisor/zone-dtb';

export interface RootDtbInput {
  readonly board: Board;
  readonly harts: number[];
  readonly root: ZoneConfig | undefined;
  readonly ram: { readonly base: number; readonly size: number };
  /** RAM banks after `ram` (a memory node each). */
  readonly moreRam?: readonly { readonly base: number; readonly size: number }[];
  readonly otherZones: readonly ZoneConfig[];
  readonly bootargs?: string;
  readonly initrd?: { readonly start: number; readonly end: number };
  /** Virtio devices the management side serves to the root zone. */
  readonly virtio?: readonly { readonly addr: number; readonly len: number; readonly irq: number }[];
  /** /chosen/rng-seed (see rngSeed). */
  readonly rngSeed?: Uint8Array;
}

/**
 * The /chosen/rng-seed of a generated device tree: 32 random bytes, as QEMU's virt machines give, or in
 * deterministic mode 32 bytes fixed by the zone's id, so that a run and its replay see the same seed.
 */
export function rngSeed(deterministic: boolean, zoneId: number): Uint8Array {
  if (!deterministic) return new Uint8Array(randomBytes(32));
  let s = (0x9e3779b9 ^ zoneId) >>> 0;
  return new Uint8Array(32).map(() => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s >>> 24;
  });
}

export function buildRootDtb(input: RootDtbInput): Uint8Array {
  const extras = {
    ...(input.bootargs ? { bootargs: input.bootargs } : {}),
    ...(input.initrd ? { initrd: input.initrd } : {}),
    ...(input.virtio ? { virtio: input.virtio } : {}),
    ...(input.rngSeed ? { rngSeed: input.rngSeed } : {}),
  };
  if (input.root) return boardDtb(zoneTreeInput(input.board, input.root, input.otherZones, extras));
  return boardDtb({ board: input.board, harts: input.harts, memory: [input.ram, ...(input.moreRam ?? [])], ...extras });
}

/**
 * Where the root's initrd goes: below the DTB, with a 1 MiB gap, page aligned (what the host loads).
 * Where the board's DTB address is outside the machine's first RAM bank (ls3a5000's is above the 256 MiB
 * modelled), the host puts the DTB at that bank's last pages instead: then below those, leaving 64 KiB.
 */
export function rootInitrdStart(board: Board, size: number, ram?: { readonly base: number; readonly size: number }): number {
  const inRam = !ram || (board.rootZone.dtbAddress >= ram.base && board.rootZone.dtbAddress < ram.base + ram.size);
  const top = inRam ? board.rootZone.dtbAddress : ram.base + ram.size - 0x1_0000;
  return top - Math.ceil(size / 0x1000) * 0x1000 - 0x10_0000;
}
