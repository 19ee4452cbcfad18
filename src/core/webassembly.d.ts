/**
 * The part of the WebAssembly JS API this project uses, for the layers whose type libraries have no
 * DOM (Node's types do not declare it). Shared memories back guest RAM and hart state; the A64
 * translation tier compiles modules and calls its blocks through a function table.
 */
declare namespace WebAssembly {
  interface MemoryDescriptor {
    initial: number;
    maximum?: number;
    shared?: boolean;
  }
  class Memory {
    constructor(descriptor: MemoryDescriptor);
    readonly buffer: ArrayBuffer | SharedArrayBuffer;
    grow(delta: number): number;
  }
  class Module {
    constructor(bytes: ArrayBufferView | ArrayBuffer);
  }
  class Table {
    constructor(descriptor: { element: 'anyfunc'; initial: number; maximum?: number });
    set(index: number, value: unknown): void;
    get(index: number): unknown;
    readonly length: number;
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
}
