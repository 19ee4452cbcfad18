/**
 * The virtio bridge: the page hvisor shares with hvisor-tool's daemon in zone0 (hvisor
 * src/device/virtio_trampoline.rs `VirtioBridge`, hvisor-tool include/hvisor.h `struct virtio_bridge`),
 * laid over a SharedRegion so that a vCPU worker (hvisor's trapping CPU) and the main thread (the
 * daemon) exchange requests exactly as they do.
 *
 * Byte layout (little-endian, the C struct with natural alignment; MAX_REQ = 32, MAX_CPUS = 32,
 * MAX_DEVS = 8; 2136 bytes):
 *
 *   0x000  u32 req_front        consumer (daemon) advances it
 *   0x004  u32 req_rear         producer (hypervisor) advances it
 *   0x008  u32 res_front        the hypervisor advances it when it drains results (hypercall 1)
 *   0x00c  u32 res_rear         the daemon advances it when it pushes a result
 *   0x010  device_req req_list[32], 40 bytes each:
 *            +0 u64 src_cpu  +8 u64 address  +16 u64 size  +24 u64 value
 *            +32 u32 src_zone  +36 u8 is_write  +37 u8 need_interrupt  +38 u16 padding
 *   0x510  device_res res_list[32], 8 bytes each: +0 u32 target_zone  +4 u32 irq_id
 *   0x610  u64 cfg_flags[32]    per *physical* CPU: the daemon increments it when it answers
 *   0x710  u64 cfg_values[32]   per physical CPU: the answer (the load result)
 *   0x810  u64 mmio_addrs[8]    legacy: device base addresses the daemon publishes
 *   0x850  u8  mmio_avail       legacy: set once mmio_addrs is valid
 *   0x851  u8  need_wakeup      1 while the daemon sleeps: the producer must wake it
 *
 * Workbench additions live in the rest of the workbench's own page, which hvisor leaves zero (they
 * are never written into a root zone's page, see virtio-bridge-base.ts):
 *   0x880  i32 producer lock    hvisor holds a spin mutex around push_req (req_lock); several vCPU
 *                               workers push, so they need the same exclusion in shared memory.
 *   0x884  i32 bridge page      hvisor's VirtioBridgeController.base_address as a page number:
 *                               0 = this page, else the root-physical page of hypercall 0.
 *
 * Wake-up: hvisor sends IPI_EVENT_WAKEUP_VIRTIO_DEVICE to the root zone when need_wakeup is 1. Here
 * the sleeping consumer waits (Atomics.waitAsync) on the req_rear word, and the producer notifies
 * that word; the wait compares req_rear first, so a push that races with going to sleep is not lost
 * (the Dekker recheck hvisor-tool does before epoll_wait). Once hypercall 0 moved the bridge into
 * the root zone's RAM (virtio-bridge-base.ts), the consumer is hvisor-tool inside the root, which
 * waits for IRQ_WAKEUP_VIRTIO_DEVICE instead: the producer's `onWakeup`.
 *
 * This file has no runtime imports so a worker can load it on its own.
 */
import type { SharedRegion } from '../bus/types';

export const MAX_REQ = 32;
export const MAX_CPUS = 32;
export const MAX_DEVS = 8;
export const QUEUE_NOTIFY_OFFSET = 0x50;

export const BridgeOffset = {
  reqFront: 0x000,
  reqRear: 0x004,
  resFront: 0x008,
  resRear: 0x00c,
  reqList: 0x010,
  resList: 0x510,
  cfgFlags: 0x610,
  cfgValues: 0x710,
  mmioAddrs: 0x810,
  mmioAvail: 0x850,
  needWakeup: 0x851,
  producerLock: 0x880,
  basePage: 0x884,
} as const;

export const REQ_BYTES = 40;
export const RES_BYTES = 8;
/** sizeof(struct virtio_bridge) in hvisor and hvisor-tool. */
export const BRIDGE_STRUCT_BYTES = 2136;
/** The kernel module allocates one page for it; reserve that much. */
export const BRIDGE_PAGE_BYTES = 4096;
/** submit() result when the abort check fired while the request ring was full. */
export const BRIDGE_ABORTED = -1;

export interface BridgeRequest {
  /** Physical CPU (hart) that trapped; indexes cfg_flags / cfg_values. */
  readonly cpu: number;
  readonly zone: number;
  /** Absolute guest-physical address of the access. */
  readonly address: number;
  readonly size: number;
  /** Value written (ignored for reads). */
  readonly value: bigint;
  readonly isWrite: boolean;
  /** 1 only for QueueNotify writes: the vCPU does not wait for an answer. */
  readonly needInterrupt: boolean;
}

export interface BridgeResult {
  readonly zone: number;
  readonly irq: number;
}

export type BridgeAnswer = { readonly kind: 'answered'; readonly value: bigint } | { readonly kind: 'aborted' };

export interface WaitOptions {
  /** Checked between wait slices; true ends the wait (a zone shutdown). */
  readonly abort?: () => boolean;
  /** Length of one Atomics.wait slice in ms (default 10). */
  readonly sliceMs?: number;
  /** Called every `slowSlices` slices without an answer, like hvisor's "backend is too slow" warning. */
  readonly onSlow?: (waitedMs: number) => void;
  readonly slowSlices?: number;
  /**
   * Deterministic mode (decision 0025): wait for the daemon's answer to a QueueNotify too (the request
   * still says need_interrupt = 1), so the device's work on the kick happens while the trapping CPU,
   * which holds the baton, stands still, at the same instruction on every run.
   */
  readonly answerEveryRequest?: boolean;
}

const LOCK_FREE = 0;
const LOCK_HELD = 1;

/** Typed views shared by both sides. Ring indices are u32 words read and written with Atomics. */
class BridgeViews {
  protected readonly words: Int32Array;
  protected readonly bytes: Uint8Array;
  protected readonly view: DataView;
  protected readonly flags: BigInt64Array;
  protected readonly values: BigInt64Array;

  constructor(region: SharedRegion) {
    if (region.byteLength < BRIDGE_PAGE_BYTES) throw new Error(`virtio bridge needs ${BRIDGE_PAGE_BYTES} bytes, got ${region.byteLength}`);
    if (region.byteOffset % 8 !== 0) throw new Error('virtio bridge must be 8-byte aligned');
    const { buffer, byteOffset } = region;
    this.words = new Int32Array(buffer, byteOffset, BRIDGE_PAGE_BYTES / 4);
    this.bytes = new Uint8Array(buffer, byteOffset, BRIDGE_PAGE_BYTES);
    this.view = new DataView(buffer, byteOffset, BRIDGE_PAGE_BYTES);
    this.flags = new BigInt64Array(buffer, byteOffset + BridgeOffset.cfgFlags, MAX_CPUS);
    this.values = new BigInt64Array(buffer, byteOffset + BridgeOffset.cfgValues, MAX_CPUS);
  }

  protected load(offset: number): number {
    return Atomics.load(this.words, offset / 4);
  }

  protected store(offset: number, value: number): void {
    Atomics.store(this.words, offset / 4, value);
  }

  get needWakeup(): boolean {
    return Atomics.load(this.bytes, BridgeOffset.needWakeup) === 1;
  }

  /** Requests waiting for the daemon. */
  pendingRequests(): number {
    return (this.load(BridgeOffset.reqRear) - this.load(BridgeOffset.reqFront)) & (MAX_REQ - 1);
  }

  pendingResults(): number {
    return (this.load(BridgeOffset.resRear) - this.load(BridgeOffset.resFront)) & (MAX_REQ - 1);
  }

  /** The raw counters, for an inspector. */
  snapshot(): Record<string, number> {
    return {
      req_front: this.load(BridgeOffset.reqFront),
      req_rear: this.load(BridgeOffset.reqRear),
      res_front: this.load(BridgeOffset.resFront),
      res_rear: this.load(BridgeOffset.resRear),
      need_wakeup: Atomics.load(this.bytes, BridgeOffset.needWakeup),
      mmio_avail: Atomics.load(this.bytes, BridgeOffset.mmioAvail),
    };
  }
}

const ringFull = (front: number, rear: number): boolean => ((rear + 1) & (MAX_REQ - 1)) === front;

/** Zeroes the page: what hvisor.ko's INIT_VIRTIO does with its freshly allocated page. */
export function resetVirtioBridge(region: SharedRegion): void {
  new Uint8Array(region.buffer, region.byteOffset, BRIDGE_PAGE_BYTES).fill(0);
}

/** Anything that takes a trapped access to the daemon: one bridge, or the one the base names now. */
export interface BridgeAccess {
  access(request: BridgeRequest, options?: WaitOptions): bigint | undefined;
}

/**
 * The producers' mutex (hvisor's VIRTIO_BRIDGE.req_lock, src/device/virtio_trampoline.rs:190-198). It
 * is a word of the workbench's own page whichever page the requests go to: hvisor keeps its lock in
 * its own memory, not in the root's page.
 */
export class BridgeProducerLock {
  private readonly words: Int32Array;

  constructor(home: SharedRegion) {
    this.words = new Int32Array(home.buffer, home.byteOffset, BRIDGE_PAGE_BYTES / 4);
  }

  tryLock(): boolean {
    return Atomics.compareExchange(this.words, BridgeOffset.producerLock / 4, LOCK_FREE, LOCK_HELD) === LOCK_FREE;
  }

  unlock(): void {
    Atomics.store(this.words, BridgeOffset.producerLock / 4, LOCK_FREE);
    Atomics.notify(this.words, BridgeOffset.producerLock / 4, 1);
  }

  waitWhileHeld(ms: number): void {
    Atomics.wait(this.words, BridgeOffset.producerLock / 4, LOCK_HELD, ms);
  }
}

/**
 * hvisor's push loop (mmio_virtio_handler, src/device/virtio_trampoline.rs:72-100): take the lock,
 * pick the bridge (`select`, read under the lock as req_agent reads base_address), push unless full;
 * when full, release and wait for the consumer. Undefined when the abort check ended the wait.
 */
export function submitRequest(
  lock: BridgeProducerLock,
  select: () => VirtioBridgeProducer,
  request: BridgeRequest,
  options: WaitOptions = {},
): { readonly producer: VirtioBridgeProducer; readonly ticket: number } | undefined {
  if (request.cpu < 0 || request.cpu >= MAX_CPUS) throw new Error(`virtio bridge: cpu ${request.cpu} out of range`);
  const slice = options.sliceMs ?? 10;
  for (;;) {
    if (lock.tryLock()) {
      const producer = select();
      const ticket = producer.tryPush(request);
      lock.unlock();
      if (ticket !== undefined) {
        producer.wakeIfAsleep();
        return { producer, ticket };
      }
      producer.waitForSpace(slice);
    } else {
      lock.waitWhileHeld(1);
    }
    if (options.abort?.()) return undefined;
  }
}

/** Pushes a request and, unless it is a QueueNotify, waits for and returns the answer. */
export function accessBridge(
  lock: BridgeProducerLock,
  select: () => VirtioBridgeProducer,
  request: BridgeRequest,
  options: WaitOptions = {},
): bigint | undefined {
  const pushed = submitRequest(lock, select, request, options);
  if (!pushed) return undefined;
  if (request.needInterrupt && !options.answerEveryRequest) return 0n;
  const answer = pushed.producer.waitAnswer(request.cpu, pushed.ticket, options);
  return answer.kind === 'answered' ? answer.value : undefined;
}

/** The hypervisor side, used by the trapping vCPU worker (hvisor's mmio_virtio_handler). */
export class VirtioBridgeProducer extends BridgeViews implements BridgeAccess {
  private readonly lock: BridgeProducerLock;
  /** req_front as the last tryPush that found the ring full read it. */
  private fullAt = 0;

  /**
   * `onWakeup` runs after a push that found need_wakeup = 1, in addition to the notify on req_rear:
   * hvisor's IPI_EVENT_WAKEUP_VIRTIO_DEVICE, for a consumer that cannot wait on the word (hvisor-tool
   * inside the root zone's Linux expects IRQ_WAKEUP_VIRTIO_DEVICE). `lockRegion` is the page holding
   * the producers' lock (the workbench's own page; by default this one).
   */
  constructor(
    region: SharedRegion,
    private readonly onWakeup?: () => void,
    lockRegion: SharedRegion = region,
  ) {
    super(region);
    this.lock = new BridgeProducerLock(lockRegion);
  }

  /**
   * Pushes a request and returns the ticket to wait on: the CPU's cfg_flags value before the push
   * (hvisor's `old_cfg_flag`). While the ring is full it waits for the consumer in slices; the abort
   * check can end that wait, in which case the result is BRIDGE_ABORTED and nothing was pushed.
   */
  submit(request: BridgeRequest, options: WaitOptions = {}): number {
    return submitRequest(this.lock, () => this, request, options)?.ticket ?? BRIDGE_ABORTED;
  }

  /** With the producers' lock held: pushes and returns the ticket, or undefined if the ring is full. */
  tryPush(request: BridgeRequest): number | undefined {
    // In a root zone's page the root may have written anything here; hvisor takes req_rear % MAX_REQ
    // (virtio_trampoline.rs push_req), and masking front too keeps every write inside the ring.
    const front = this.load(BridgeOffset.reqFront) & (MAX_REQ - 1);
    const rear = this.load(BridgeOffset.reqRear) & (MAX_REQ - 1);
    if (ringFull(front, rear)) {
      this.fullAt = this.load(BridgeOffset.reqFront);
      return undefined;
    }
    const ticket = Number(Atomics.load(this.flags, request.cpu));
    this.writeRequest(rear, request);
    this.store(BridgeOffset.reqRear, (rear + 1) & (MAX_REQ - 1));
    return ticket;
  }

  /** hvisor's check_need_wakeup_and_send_ipi, after the lock is released. */
  wakeIfAsleep(): void {
    if (!this.needWakeup) return;
    Atomics.notify(this.words, BridgeOffset.reqRear / 4);
    this.onWakeup?.();
  }

  /**
   * Full ring: sleep until the consumer moves req_front from where tryPush saw it (the workbench's
   * daemon notifies that word), so a move in between ends the wait at once.
   */
  waitForSpace(sliceMs: number): void {
    Atomics.wait(this.words, BridgeOffset.reqFront / 4, this.fullAt, sliceMs);
  }

  /**
   * Waits until the daemon answers this CPU's request (cfg_flags moves away from the ticket) and
   * returns cfg_values. hvisor spins in EL2 without a timeout; here the wait sleeps in slices so a
   * zone shutdown (the abort check) can end it.
   */
  waitAnswer(cpu: number, ticket: number, options: WaitOptions = {}): BridgeAnswer {
    const slice = options.sliceMs ?? 10;
    const slowSlices = options.slowSlices ?? 500;
    const expected = BigInt.asIntN(64, BigInt(ticket));
    for (let slices = 1; ; slices++) {
      if (Atomics.load(this.flags, cpu) !== expected) {
        return { kind: 'answered', value: BigInt.asUintN(64, Atomics.load(this.values, cpu)) };
      }
      Atomics.wait(this.flags, cpu, expected, slice);
      if (Atomics.load(this.flags, cpu) !== expected) continue;
      if (options.abort?.()) return { kind: 'aborted' };
      if (options.onSlow && slices % slowSlices === 0) options.onSlow(slices * slice);
    }
  }

  /**
   * One trapped access end to end: QueueNotify writes (`needInterrupt`) return at once, everything
   * else waits for the answer. Returns undefined when aborted.
   */
  access(request: BridgeRequest, options: WaitOptions = {}): bigint | undefined {
    return accessBridge(this.lock, () => this, request, options);
  }

  private writeRequest(slot: number, request: BridgeRequest): void {
    const at = BridgeOffset.reqList + slot * REQ_BYTES;
    const view = this.view;
    view.setBigUint64(at, BigInt(request.cpu), true);
    view.setBigUint64(at + 8, BigInt(request.address), true);
    view.setBigUint64(at + 16, BigInt(request.size), true);
    view.setBigUint64(at + 24, BigInt.asUintN(64, request.value), true);
    view.setUint32(at + 32, request.zone, true);
    view.setUint8(at + 36, request.isWrite ? 1 : 0);
    view.setUint8(at + 37, request.needInterrupt ? 1 : 0);
    view.setUint16(at + 38, 0, true);
  }
}

/**
 * The daemon side (hvisor-tool's consume_pending_requests / virtio_finish_cfg_req /
 * virtio_inject_irq) plus the hypervisor's result drain (hypercall 1). One thread consumes.
 */
export class VirtioBridgeConsumer extends BridgeViews {
  /**
   * Hands every pending request to `handler`, oldest first. For requests that wait for an answer
   * (need_interrupt = 0), a returned value is written back at once (virtio_finish_cfg_req); a
   * handler that returns undefined answers later with `complete`. Returns the number handled.
   */
  drain(handler: (request: BridgeRequest) => bigint | number | undefined, limit = MAX_REQ): number {
    let handled = 0;
    let front = this.load(BridgeOffset.reqFront);
    while (handled < limit && front !== this.load(BridgeOffset.reqRear)) {
      const request = this.readRequest(front);
      let answer: bigint | number | undefined;
      try {
        answer = handler(request);
      } catch (error) {
        // The vCPU is blocked on this answer; release it before reporting our own failure.
        if (!request.needInterrupt) this.complete(request.cpu, 0n);
        throw error;
      } finally {
        front = (front + 1) & (MAX_REQ - 1);
        this.store(BridgeOffset.reqFront, front);
        Atomics.notify(this.words, BridgeOffset.reqFront / 4);
        handled++;
      }
      if (!request.needInterrupt && answer !== undefined) this.complete(request.cpu, BigInt(answer));
    }
    return handled;
  }

  /** Answers the waiting access of `cpu`: value first, then the flag the vCPU watches. */
  complete(cpu: number, value: bigint | number): void {
    Atomics.store(this.values, cpu, BigInt.asIntN(64, BigInt(value)));
    Atomics.add(this.flags, cpu, 1n);
    Atomics.notify(this.flags, cpu);
  }

  /** Queues an interrupt for the hypervisor to inject. False when res_list is full. */
  pushResult(zone: number, irq: number): boolean {
    const front = this.load(BridgeOffset.resFront);
    const rear = this.load(BridgeOffset.resRear);
    if (ringFull(front, rear)) return false;
    const at = BridgeOffset.resList + rear * RES_BYTES;
    this.view.setUint32(at, zone, true);
    this.view.setUint32(at + 4, irq, true);
    this.store(BridgeOffset.resRear, (rear + 1) & (MAX_REQ - 1));
    return true;
  }

  /**
   * Whether res_front and res_rear are ring indices. A root zone's daemon writes them in its own page;
   * hvisor indexes res_list with res_front unchecked (a panic when out of range) and loops until
   * res_front reaches res_rear (forever when res_rear is out of range).
   */
  resultIndicesValid(): boolean {
    return (this.load(BridgeOffset.resFront) >>> 0) < MAX_REQ && (this.load(BridgeOffset.resRear) >>> 0) < MAX_REQ;
  }

  /** hvisor's hypercall 1 (FINISH_REQ): takes every queued interrupt. */
  drainResults(): BridgeResult[] {
    const results: BridgeResult[] = [];
    let front = this.load(BridgeOffset.resFront) & (MAX_REQ - 1);
    const rear = this.load(BridgeOffset.resRear) & (MAX_REQ - 1);
    while (front !== rear) {
      const at = BridgeOffset.resList + front * RES_BYTES;
      results.push({ zone: this.view.getUint32(at, true), irq: this.view.getUint32(at + 4, true) });
      front = (front + 1) & (MAX_REQ - 1);
    }
    this.store(BridgeOffset.resFront, front);
    return results;
  }

  /**
   * Announces the intention to sleep (need_wakeup = 1) and re-checks the ring, hvisor-tool's Dekker
   * step. True: the ring is empty and the caller may wait on `sleepTarget()`; false: work arrived
   * and need_wakeup is back to 0.
   */
  prepareSleep(): boolean {
    Atomics.store(this.bytes, BridgeOffset.needWakeup, 1);
    if (this.load(BridgeOffset.reqFront) === this.load(BridgeOffset.reqRear)) return true;
    Atomics.store(this.bytes, BridgeOffset.needWakeup, 0);
    return false;
  }

  /** The word and value to wait on (Atomics.wait / waitAsync) after prepareSleep() said yes. */
  sleepTarget(): { readonly array: Int32Array; readonly index: number; readonly value: number } {
    return { array: this.words, index: BridgeOffset.reqRear / 4, value: this.load(BridgeOffset.reqRear) };
  }

  /** Back to polling: producers need not wake us. */
  awake(): void {
    Atomics.store(this.bytes, BridgeOffset.needWakeup, 0);
  }

  /** Wakes a consumer sleeping on sleepTarget() without a request (shutdown). */
  interruptSleep(): void {
    Atomics.notify(this.words, BridgeOffset.reqRear / 4);
  }

  /** The legacy mmio_addrs table hvisor-tool still fills (publish_virtio_mmio_addrs). */
  publishMmioAddresses(addresses: readonly number[]): void {
    for (let i = 0; i < MAX_DEVS; i++) this.view.setBigUint64(BridgeOffset.mmioAddrs + i * 8, BigInt(addresses[i] ?? 0), true);
    Atomics.store(this.bytes, BridgeOffset.mmioAvail, 1);
  }

  private readRequest(slot: number): BridgeRequest {
    const at = BridgeOffset.reqList + slot * REQ_BYTES;
    const view = this.view;
    return {
      cpu: Number(view.getBigUint64(at, true)),
      address: Number(view.getBigUint64(at + 8, true)),
      size: Number(view.getBigUint64(at + 16, true)),
      value: view.getBigUint64(at + 24, true),
      zone: view.getUint32(at + 32, true),
      isWrite: view.getUint8(at + 36) !== 0,
      needInterrupt: view.getUint8(at + 37) !== 0,
    };
  }
}
