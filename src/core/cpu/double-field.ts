/**
 * The first value of a CPU object's field that may hold numbers beyond V8's small integers (int32 here):
 * a RAM size of 2 GiB, a physical address above 2 GiB, a retired-instruction count past 2^31. -0 is not
 * a small integer, so such a field holds doubles from the object's creation on. A field that starts as a
 * small integer changes the object's hidden class the first time it gets a larger value, and every
 * optimized function that has seen the object goes back to unoptimized code; for a CPU that is the whole
 * interpreter, mid-boot, and the warm-up's scratch CPU (a small RAM) optimized it for the wrong class
 * (decision 0014). Code reads -0 as 0.
 */
export const DOUBLE_FIELD = -0;
