/* selftest.c: integer ISA self-test compiled by gcc -O2 -mgeneral-regs-only (so only A64 integer,
 * load/store, exclusive and system instructions appear). Each check has an id; main returns 0 when
 * all pass or the id of the first failure, and leaves a checksum of intermediate results. Inputs are
 * volatile so that the compiler cannot fold the arithmetic away. */
#include <stdint.h>

typedef unsigned __int128 u128;
uint64_t checksum;

#define CHECK(id, cond) do { if (!(cond)) return (id); } while (0)
#define NOINLINE __attribute__((noinline))

static volatile uint64_t v_a = 0x0123456789abcdefull, v_b = 0x1000, v_ones = ~0ull, v_neg = (uint64_t)-7;
static volatile uint32_t v_seed = 12345;
static const char digits[] = "123456789";

static NOINLINE uint32_t crc32_bitwise(const uint8_t *p, int n)
{
    uint32_t c = 0xffffffffu;
    for (int i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ 0xedb88320u : c >> 1;
    }
    return ~c;
}

static uint32_t table[256];
static NOINLINE uint32_t crc32_table(const uint8_t *p, int n)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    uint32_t c = 0xffffffffu;
    for (int i = 0; i < n; i++) c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return ~c;
}

static NOINLINE uint64_t fib(uint64_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static uint32_t words[200];
static NOINLINE void sort(uint32_t *a, int n)
{
    for (int i = 1; i < n; i++) {
        uint32_t v = a[i];
        int j = i - 1;
        while (j >= 0 && a[j] > v) { a[j + 1] = a[j]; j--; }
        a[j + 1] = v;
    }
}

static NOINLINE int classify(int c)
{
    switch (c) {
    case 0: return 11; case 1: return 22; case 2: return 33; case 3: return 44;
    case 4: return 55; case 5: return 66; case 6: return 77; case 7: return 88;
    default: return -1;
    }
}

static uint8_t src[100], dst[100];
static NOINLINE void copy(uint8_t *d, const uint8_t *s, int n) { while (n--) *d++ = *s++; }

static uint64_t counter;

int main(void)
{
    uint64_t a = v_a, b = v_b, ones = v_ones;
    int64_t neg = (int64_t)v_neg;

    CHECK(1, crc32_bitwise((const uint8_t *)digits, 9) == 0xcbf43926u);
    CHECK(2, crc32_table((const uint8_t *)digits, 9) == 0xcbf43926u);
    CHECK(3, (a * b) >> 12 == (a & 0x000fffffffffffffull));
    CHECK(4, a / b == 0x0000123456789abcull && a % b == 0xdef);
    CHECK(5, neg / 2 == -3 && neg % 2 == -1 && (uint64_t)neg / 2 == 0x7ffffffffffffffcull);
    u128 sq = (u128)ones * ones;
    CHECK(6, (uint64_t)(sq >> 64) == 0xfffffffffffffffeull && (uint64_t)sq == 1);
    __int128 sprod = (__int128)neg * (__int128)(int64_t)a;
    CHECK(7, (int64_t)(sprod >> 64) == -1 && (uint64_t)sprod == (uint64_t)(-7 * (int64_t)0x0123456789abcdefll));
    int bits = 0;
    for (uint64_t t = a; t; t &= t - 1) bits++;
    CHECK(8, __builtin_clzll(b) == 51 && __builtin_ctzll(b) == 12 && bits == 32);
    CHECK(9, __builtin_bswap64(a) == 0xefcdab8967452301ull && __builtin_bswap32((uint32_t)a) == 0xefcdab89u);
    CHECK(10, fib(20) == 6765);

    uint32_t x = v_seed, sum = 0;
    for (int i = 0; i < 200; i++) {
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        words[i] = x % 100000;
        sum += words[i];
    }
    sort(words, 200);
    uint32_t sum2 = 0;
    for (int i = 0; i < 200; i++) {
        if (i) CHECK(11, words[i - 1] <= words[i]);
        sum2 += words[i];
    }
    CHECK(12, sum == sum2);

    int total = 0;
    for (int i = 0; i < 10; i++) total += classify(i);
    CHECK(13, total == 11 + 22 + 33 + 44 + 55 + 66 + 77 + 88 - 2);

    for (int i = 0; i < 100; i++) src[i] = (uint8_t)(i * 7);
    copy(dst + 3, src + 1, 90);
    CHECK(14, dst[3] == 7 && dst[92] == (uint8_t)(90 * 7) && dst[2] == 0 && dst[93] == 0);

    for (int i = 0; i < 5; i++) __atomic_fetch_add(&counter, 3, __ATOMIC_SEQ_CST);
    uint64_t expected = 15;
    CHECK(15, __atomic_compare_exchange_n(&counter, &expected, 100, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
    expected = 15;
    CHECK(16, !__atomic_compare_exchange_n(&counter, &expected, 200, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE) && expected == 100);

    uint64_t el;
    __asm__ volatile("mrs %0, currentel" : "=r"(el));
    CHECK(17, el == 4);

    checksum = sum ^ ((uint64_t)total << 32) ^ counter;
    return 0;
}
