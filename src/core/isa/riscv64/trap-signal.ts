/**
 * The value thrown to unwind the interpreter when an instruction raises an exception. It is one
 * preallocated object (no stack capture): the exception's cause and tval travel in the Hart's fields.
 */
export const TRAP_SIGNAL: { readonly trap: true } = Object.freeze({ trap: true });

/** The pseudo exception cause mmu.ts raises for a watched access (hart.ts stops; never delivered to the guest). */
export const WATCH_CAUSE = -100;
