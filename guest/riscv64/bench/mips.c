/* mips.c: M-mode instruction-rate benchmark (bench-mips). Hart 0 runs a fixed integer workload typical of
 * kernel code; other harts park in WFI (crt-m.S). One iteration: fill a 64 KiB buffer from a xorshift
 * generator (stores, shifts, xor), CRC32 it with a 256-entry table (byte loads, table loads, shifts, xor,
 * a loop branch), insertion-sort 256 words taken from the buffer (loads/stores, compare branches), all
 * through non-inlined calls. `bench_iterations` (default ITERATIONS) can be patched in the ELF's .data
 * before loading to change the length. It prints the checksum and the retired-instruction count of the
 * workload (minstret delta; exact under QEMU -icount shift=0), then reports HTIF pass. */
#include <stdint.h>

#ifndef ITERATIONS
#define ITERATIONS 400
#endif
#define BUF_BYTES (64 * 1024)
#define SORT_WORDS 256

/* crt-m.S provides these (same names and calling convention as common/uart.c). */
void uart_putc(char c);
void uart_puts(const char *s);
void uart_puthex(uint64_t v);

volatile uint32_t bench_iterations = ITERATIONS;

static uint32_t crc_table[256];
static uint32_t buffer[BUF_BYTES / 4];
static uint32_t sort_words[SORT_WORDS];

#define NOINLINE __attribute__((noinline))

static NOINLINE void crc_table_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

static NOINLINE uint32_t fill(uint32_t seed)
{
    uint32_t x = seed | 1;
    for (uint32_t i = 0; i < BUF_BYTES / 4; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buffer[i] = x;
    }
    return x;
}

static NOINLINE uint32_t crc32(const uint8_t *p, uint32_t n)
{
    uint32_t c = 0xffffffffu;
    for (uint32_t i = 0; i < n; i++)
        c = crc_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return ~c;
}

static NOINLINE void insertion_sort(uint32_t *a, uint32_t n)
{
    for (uint32_t i = 1; i < n; i++) {
        uint32_t v = a[i];
        uint32_t j = i;
        while (j > 0 && a[j - 1] > v) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
}

static NOINLINE uint32_t sorted_sum(const uint32_t *a, uint32_t n)
{
    uint32_t s = 0;
    for (uint32_t i = 0; i < n; i++)
        s = (s << 1 | s >> 31) + a[i] * (i + 1);      /* order-sensitive: a wrong sort changes it */
    return s;
}

static void put_dec(uint64_t v)
{
    char buf[21];
    int i = 0;
    do {
        buf[i++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (i)
        uart_putc(buf[--i]);
}

static inline uint64_t instret(void)
{
    uint64_t v;
    __asm__ volatile("csrr %0, minstret" : "=r"(v));
    return v;
}

int test_main(void)
{
    uint32_t iterations = bench_iterations;
    uint64_t start = instret();

    crc_table_init();
    uint32_t checksum = 0;
    for (uint32_t it = 0; it < iterations; it++) {
        uint32_t last = fill(0x9e3779b9u * (it + 1));
        uint32_t crc = crc32((const uint8_t *)buffer, BUF_BYTES);
        for (uint32_t i = 0; i < SORT_WORDS; i++)
            sort_words[i] = buffer[(i * 61) % (BUF_BYTES / 4)];
        insertion_sort(sort_words, SORT_WORDS);
        checksum = (checksum * 31) ^ crc ^ sorted_sum(sort_words, SORT_WORDS) ^ last;
    }

    uint64_t retired = instret() - start;
    uart_puts("bench-mips: iterations=");
    put_dec(iterations);
    uart_puts(" checksum=");
    uart_puthex(checksum);
    uart_puts(" instret=");
    put_dec(retired);
    uart_puts("\n");
    return 0;
}
