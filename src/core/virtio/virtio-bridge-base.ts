/**
 * Where hvisor's virtio bridge lives: VirtioBridgeController.base_address (hvisor
 * src/device/virtio_trampoline.rs:167-185). Until the root zone makes hypercall 0 it is the
 * workbench's own page (the 'virtio-bridge' region), served by the workbench's daemon on the host.
 * Hypercall 0 (src/hypercall/mod.rs:105-131 hv_virtio_init, set_base_addr) moves it to a page of the
 * root's RAM, which hvisor-tool's daemon inside the root zone serves; a later hypercall 0 moves it
 * again. The base is one i32 word of the workbench's page holding the page number (0 = the
 * workbench's page), so every vCPU worker switches with one atomic store; producers read it under the
 * producers' lock, as hvisor's req_agent reads base_address under req_lock.
 *
 * Requests to the root's page wake the root as hvisor does on riscv64: when need_wakeup is 1, an
 * IPI_EVENT_WAKEUP_VIRTIO_DEVICE to the root zone's first CPU (get_target_cpu(_, 0),
 * src/arch/riscv64/cpu.rs:246), which injects IRQ_WAKEUP_VIRTIO_DEVICE as a virtual IRQ into the
 * root's vPLIC (src/event.rs:102-104). `wakeRoot` does that injection.
 *
 * The workbench's additions to the page format (producer lock, base word) stay in the workbench's
 * page: nothing is written into the root's page that hvisor would not write there.
 *
 * No runtime imports beyond virtio-bridge.ts, so a worker can load it on its own.
 */
import type { SharedRegion } from '../bus/types';
import {
  accessBridge,
  BRIDGE_PAGE_BYTES,
  BridgeOffset,
  BridgeProducerLock,
  VirtioBridgeConsumer,
  VirtioBridgeProducer,
  type BridgeAccess,
  type BridgeRequest,
  type WaitOptions,
} from './virtio-bridge';

const PAGE_SHIFT = 12;

/** The board's RAM inside the shared buffer (AddressSpace.ram fits). */
export interface BridgeRam {
  /** Root-physical address of the first byte. */
  readonly base: number;
  readonly size: number;
  readonly buffer: ArrayBufferLike;
  /** Offset of `base` inside `buffer`. */
  readonly bufferOffset: number;
}

/** The shared word naming the bridge's page. */
export class VirtioBridgeBase {
  private readonly words: Int32Array;

  constructor(home: SharedRegion) {
    if (home.byteLength < BRIDGE_PAGE_BYTES) throw new Error(`virtio bridge needs ${BRIDGE_PAGE_BYTES} bytes, got ${home.byteLength}`);
    this.words = new Int32Array(home.buffer, home.byteOffset, BRIDGE_PAGE_BYTES / 4);
  }

  /** Root-physical address of the bridge page; 0 while it is the workbench's own page. */
  get address(): number {
    return (Atomics.load(this.words, BridgeOffset.basePage / 4) >>> 0) * (1 << PAGE_SHIFT);
  }

  /** Whether the root zone's daemon owns the bridge (a hypercall 0 moved it). */
  get inRoot(): boolean {
    return Atomics.load(this.words, BridgeOffset.basePage / 4) !== 0;
  }

  /** hvisor's set_base_addr: a page-aligned, nonzero root-physical address. Returns the previous one. */
  move(address: number): number {
    if (address <= 0 || address % (1 << PAGE_SHIFT) !== 0 || address / (1 << PAGE_SHIFT) > 0xffff_ffff) {
      throw new Error(`virtio bridge: 0x${address.toString(16)} is not a page address`);
    }
    const previous = Atomics.exchange(this.words, BridgeOffset.basePage / 4, (address / (1 << PAGE_SHIFT)) | 0);
    return (previous >>> 0) * (1 << PAGE_SHIFT);
  }

  /** Back to the workbench's own page; true if it was elsewhere. */
  takeBack(): boolean {
    return Atomics.exchange(this.words, BridgeOffset.basePage / 4, 0) !== 0;
  }
}

/** The page of RAM at a root-physical address, or undefined if it is not wholly RAM. */
export function bridgePageAt(ram: BridgeRam, address: number): SharedRegion | undefined {
  if (address % (1 << PAGE_SHIFT) !== 0 || address < ram.base || address + BRIDGE_PAGE_BYTES > ram.base + ram.size) return undefined;
  return { buffer: ram.buffer, byteOffset: ram.bufferOffset + (address - ram.base), byteLength: BRIDGE_PAGE_BYTES };
}

export interface VirtioBridgeRouterOptions {
  /** The workbench's own page ('virtio-bridge'), which also holds the lock and the base word. */
  readonly home: SharedRegion;
  readonly ram: BridgeRam;
  /** IRQ_WAKEUP_VIRTIO_DEVICE for the root zone: a request reached its page while its daemon sleeps. */
  readonly wakeRoot: () => void;
}

/**
 * The producers' and hypercall 1's view of the bridge: whichever page the base word names now. One per
 * thread; the per-page views are cached.
 */
export class VirtioBridgeRouter implements BridgeAccess {
  readonly base: VirtioBridgeBase;
  private readonly lock: BridgeProducerLock;
  private readonly homeProducer: VirtioBridgeProducer;
  private readonly homeConsumer: VirtioBridgeConsumer;
  private root: { address: number; producer: VirtioBridgeProducer; consumer: VirtioBridgeConsumer } | undefined;

  constructor(private readonly options: VirtioBridgeRouterOptions) {
    this.base = new VirtioBridgeBase(options.home);
    this.lock = new BridgeProducerLock(options.home);
    this.homeProducer = new VirtioBridgeProducer(options.home);
    this.homeConsumer = new VirtioBridgeConsumer(options.home);
  }

  access(request: BridgeRequest, options: WaitOptions = {}): bigint | undefined {
    return accessBridge(this.lock, () => this.current().producer, request, options);
  }

  /** The res_list side hypercall 1 drains: the bridge the base names now. */
  consumer(): VirtioBridgeConsumer {
    return this.current().consumer;
  }

  private current(): { producer: VirtioBridgeProducer; consumer: VirtioBridgeConsumer } {
    const address = this.base.address;
    if (address === 0) return { producer: this.homeProducer, consumer: this.homeConsumer };
    if (this.root?.address === address) return this.root;
    const page = bridgePageAt(this.options.ram, address);
    // Hypercall 0 accepted only RAM pages of the root; a base outside RAM is our own bug.
    if (!page) throw new Error(`virtio bridge base 0x${address.toString(16)} is not a RAM page`);
    this.root = {
      address,
      producer: new VirtioBridgeProducer(page, this.options.wakeRoot, this.options.home),
      consumer: new VirtioBridgeConsumer(page),
    };
    return this.root;
  }
}
