/* float.c: a differential scalar floating-point workload (compiled with -march=armv8-a+nosimd, so
 * only scalar FP appears): a Newton square root, a series for pi, a 4x4 matrix product, conversions
 * between integers and floats in both directions, float/double conversions, fused multiply-adds,
 * min/max/abs/rounding through the builtins that map to single instructions. The bit patterns of the
 * results go into a checksum that the test compares with the same C run on the host. */
#include <stdint.h>

uint64_t checksum;

static uint64_t mix(uint64_t h, uint64_t v) { h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2); return h; }
static uint64_t bits64(double d) { union { double d; uint64_t u; } c = {d}; return c.u; }
static uint32_t bits32(float f) { union { float f; uint32_t u; } c = {f}; return c.u; }

static volatile double seed = 1.7;
static volatile float seedf = 3.25f;

int main(void)
{
    uint64_t h = 7;
    double s = seed;
    double r = s;
    for (int i = 0; i < 20; i++) r = 0.5 * (r + s / r);
    h = mix(h, bits64(r));

    double pi = 0;
    for (int k = 0; k < 2000; k++) pi += (k & 1 ? -4.0 : 4.0) / (2 * k + 1);
    h = mix(h, bits64(pi));

    float a[4][4], b[4][4], c[4][4];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) { a[i][j] = seedf * (float)(i + 1) / (float)(j + 2); b[i][j] = (float)(i - j) * 0.3f + seedf; }
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            float t = 0;
            for (int k = 0; k < 4; k++) t = __builtin_fmaf(a[i][k], b[k][j], t);
            c[i][j] = t;
        }
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) h = mix(h, bits32(c[i][j]));

    for (int i = -50; i < 50; i++) {
        double d = s * i * 1e15 + 0.5;
        h = mix(h, (uint64_t)(int64_t)d);
        h = mix(h, (uint64_t)(uint32_t)(uint64_t)(d < 0 ? -d : d));
        h = mix(h, bits64((double)((int64_t)i * 123456789012345ll)));
        h = mix(h, bits32((float)((uint64_t)i * 0x1234567890abcdefull)));
        h = mix(h, bits32((float)(d / 3)));
        h = mix(h, bits64(__builtin_fma(d, s, -d)));
        h = mix(h, bits64(__builtin_fmax(d, s) + __builtin_fmin(d, -s) + __builtin_fabs(d)));
        h = mix(h, bits64(__builtin_trunc(d / 7) + __builtin_floor(d / 9) + __builtin_ceil(d / 11) + __builtin_round(d / 13)));
        h = mix(h, (uint64_t)(d > s) + 2 * (uint64_t)(d <= -s) + 4 * (uint64_t)(d == d));
    }
    checksum = h;
    return 0;
}
