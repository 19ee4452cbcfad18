/* mips.c: instruction-rate benchmark guest for the A64 interpreter, the workload of the riscv64
 * bench-mips guest in C: fill a 64 KiB buffer from a xorshift generator, CRC32 it through a table,
 * insertion-sort 256 words from it, through non-inlined calls. `bench_iterations` sets the length.
 * main returns 0 and leaves the final checksum in `checksum`. */
#include <stdint.h>

#ifndef ITERATIONS
#define ITERATIONS 20
#endif
#define BUF_BYTES (64 * 1024)
#define SORT_WORDS 256
#define NOINLINE __attribute__((noinline))

volatile uint32_t bench_iterations = ITERATIONS;
uint64_t checksum;
static uint32_t crc_table[256];
static uint32_t buffer[BUF_BYTES / 4];
static uint32_t sort_words[SORT_WORDS];

static NOINLINE void crc_table_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

static NOINLINE uint32_t fill(uint32_t seed)
{
    uint32_t x = seed | 1;
    for (uint32_t i = 0; i < BUF_BYTES / 4; i++) {
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        buffer[i] = x;
    }
    return x;
}

static NOINLINE uint32_t crc32(const uint8_t *p, uint32_t n)
{
    uint32_t c = 0xffffffffu;
    for (uint32_t i = 0; i < n; i++) c = crc_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return ~c;
}

static NOINLINE void insertion_sort(uint32_t *a, uint32_t n)
{
    for (uint32_t i = 1; i < n; i++) {
        uint32_t v = a[i];
        uint32_t j = i;
        while (j > 0 && a[j - 1] > v) { a[j] = a[j - 1]; j--; }
        a[j] = v;
    }
}

int main(void)
{
    crc_table_init();
    uint64_t sum = 0;
    uint32_t seed = 1;
    for (uint32_t it = 0; it < bench_iterations; it++) {
        seed = fill(seed + it);
        sum += crc32((const uint8_t *)buffer, BUF_BYTES);
        for (uint32_t i = 0; i < SORT_WORDS; i++) sort_words[i] = buffer[(i * 61) % (BUF_BYTES / 4)];
        insertion_sort(sort_words, SORT_WORDS);
        sum += sort_words[SORT_WORDS / 2];
    }
    checksum = sum;
    return 0;
}
