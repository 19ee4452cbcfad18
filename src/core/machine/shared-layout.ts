/**
 * Placement of everything that lives in the machine's shared buffer.
 *
 * The host allocates one shared buffer (the `buffer` of a shared WebAssembly.Memory, so a later
 * WebAssembly tier can address guest RAM and hart state directly) and hands this plan to every
 * thread; each thread rebuilds its views from the same plan, so offsets cannot drift.
 */
import type { SharedRegion } from '../bus/types';

export interface PlannedRegion {
  readonly name: string;
  readonly offset: number;
  readonly length: number;
}

export interface SharedLayout {
  readonly totalBytes: number;
  readonly regions: readonly PlannedRegion[];
}

export class SharedLayoutPlanner {
  private cursor = 0;
  private readonly regions: PlannedRegion[] = [];

  reserve(name: string, length: number, align = 64): PlannedRegion {
    if (this.regions.some((r) => r.name === name)) throw new Error(`shared region '${name}' reserved twice`);
    this.cursor = alignUp(this.cursor, align);
    const region = { name, offset: this.cursor, length };
    this.regions.push(region);
    this.cursor += length;
    return region;
  }

  finish(): SharedLayout {
    return { totalBytes: alignUp(this.cursor, 65536), regions: [...this.regions] };
  }
}

export function alignUp(value: number, align: number): number {
  return Math.ceil(value / align) * align;
}

export function regionOf(layout: SharedLayout, buffer: ArrayBufferLike, name: string): SharedRegion {
  const region = layout.regions.find((r) => r.name === name);
  if (!region) throw new Error(`shared region '${name}' is not in the layout`);
  return { buffer, byteOffset: region.offset, byteLength: region.length };
}

/** A shared buffer for tests and single-threaded runs; the host uses a shared WebAssembly.Memory. */
export function allocateShared(layout: SharedLayout): SharedArrayBuffer {
  return new SharedArrayBuffer(layout.totalBytes);
}
