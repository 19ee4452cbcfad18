/**
 * An object per RAM page for the few pages that have one (a CPU's decoded instructions), found by page
 * number (RAM span offset / 4096).
 *
 * A JavaScript array with an entry for every page of a 2 GiB span has 512 K entries: making one at a
 * CPU's start wrote 2 MiB of fresh memory, 12-18 ms of page faults on this host, twice for riscv64,
 * while the guest waited for its thread (decision 0014). Here the page number indexes an Int32Array,
 * whose zeroed memory the allocator hands over untouched (0.1 ms; only the parts that code pages use
 * are ever faulted in), and its entry is the object's place in a dense array. Place 0 is never used
 * and holds undefined, so a lookup is two loads and no branch.
 */
export class PageSlots<T> {
  private readonly index: Int32Array;
  private readonly items: (T | undefined)[] = [undefined];
  /** The page of each place (-1: free), to empty the index without going over it whole. */
  private readonly pageOf: number[] = [-1];
  private readonly free: number[] = [];

  constructor(pages: number) {
    this.index = new Int32Array(pages);
  }

  get(page: number): T | undefined {
    return this.items[this.index[page]!];
  }

  /** Sets the page's object and returns it. */
  set(page: number, item: T): T {
    let i = this.index[page]!;
    if (i === 0) {
      i = this.free.length !== 0 ? this.free.pop()! : this.items.length;
      this.index[page] = i;
      this.pageOf[i] = page;
    }
    this.items[i] = item;
    return item;
  }

  delete(page: number): void {
    const i = this.index[page]!;
    if (i === 0) return;
    this.index[page] = 0;
    this.items[i] = undefined;
    this.pageOf[i] = -1;
    this.free.push(i);
  }

  /** Forgets every page's object. */
  clear(): void {
    for (let i = 1; i < this.pageOf.length; i++) {
      const page = this.pageOf[i]!;
      if (page >= 0) this.index[page] = 0;
    }
    this.items.length = 1;
    this.pageOf.length = 1;
    this.free.length = 0;
  }
}
