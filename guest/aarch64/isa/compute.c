/* compute.c: a differential workload. The same C is compiled for the host and for aarch64 (at -O0,
 * -O2 and -Os, so that the A64 CPU sees three different instruction mixes); each build leaves the same
 * checksum, which the test compares with the host's. Integer only: SHA-256, a 64-bit LCG with 128-bit
 * products, multi-word multiplication, signed/unsigned division and remainder of every width, base
 * conversion, a hash table, bit tricks, and a recursive quicksort on a 2 KiB array. */
#include <stdint.h>

uint64_t checksum;

static uint64_t mix(uint64_t h, uint64_t v) { h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2); return h; }

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_block(uint32_t h[8], const uint8_t *p)
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++) w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = hh + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
        uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

static uint8_t data[2048];
static int64_t sortv[256];

static void quicksort(int64_t *v, int lo, int hi)
{
    if (lo >= hi) return;
    int64_t p = v[(lo + hi) / 2];
    int i = lo, j = hi;
    while (i <= j) {
        while (v[i] < p) i++;
        while (v[j] > p) j--;
        if (i <= j) { int64_t t = v[i]; v[i] = v[j]; v[j] = t; i++; j--; }
    }
    quicksort(v, lo, j);
    quicksort(v, i, hi);
}

static int to_base(uint64_t v, unsigned base, char *out)
{
    char tmp[70];
    int n = 0;
    do { tmp[n++] = "0123456789abcdefghijklmnopqrstuvwxyz"[v % base]; v /= base; } while (v);
    for (int i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
    return n;
}

struct entry { uint64_t key; uint32_t value; uint32_t used; };
static struct entry table[4093];

int main(void)
{
    uint64_t h = 1469598103934665603ull;
    uint64_t x = 0x2545f4914f6cdd1dull;
    for (unsigned i = 0; i < sizeof data; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        data[i] = (uint8_t)(x >> 56);
    }
    uint32_t st[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    for (unsigned off = 0; off < sizeof data; off += 64) sha256_block(st, data + off);
    for (int i = 0; i < 8; i++) h = mix(h, st[i]);

    unsigned __int128 acc = 1;
    for (int i = 0; i < 40; i++) {
        acc = acc * (unsigned __int128)(x | 1) + (uint64_t)i;
        x = x * 6364136223846793005ull + 1;
        h = mix(h, (uint64_t)(acc >> 64) ^ (uint64_t)acc);
    }

    uint32_t big[8] = {0}, a[4], b[4];
    for (int i = 0; i < 4; i++) { a[i] = (uint32_t)(x >> (i * 8)) | 0x80000000u; b[i] = (uint32_t)(x >> (i * 5)) ^ 0xdeadbeefu; }
    for (int i = 0; i < 4; i++) {
        uint64_t carry = 0;
        for (int j = 0; j < 4; j++) {
            uint64_t t = (uint64_t)a[i] * b[j] + big[i + j] + carry;
            big[i + j] = (uint32_t)t;
            carry = t >> 32;
        }
        big[i + 4] = (uint32_t)carry;
    }
    for (int i = 0; i < 8; i++) h = mix(h, big[i]);

    for (int i = 1; i < 200; i++) {
        int64_t s = (int64_t)((x ^ (uint64_t)i * 0x9e3779b97f4a7c15ull) >> 1);
        int32_t s32 = (int32_t)s;
        int16_t s16 = (int16_t)s;
        int8_t s8 = (int8_t)s;
        int64_t d = (int64_t)i - 100;
        if (d == 0 || d == -1) d = 7; /* no INT_MIN / -1: undefined in C, a trap on x86 */
        h = mix(h, (uint64_t)(s / d) ^ (uint64_t)(s % d));
        h = mix(h, (uint64_t)(int64_t)(s32 / (int32_t)d) ^ (uint64_t)(uint32_t)((uint32_t)s32 % (uint32_t)i));
        h = mix(h, (uint64_t)(s16 / (int16_t)d) + (uint64_t)(s8 % (int8_t)(i | 1)));
        x = x * 6364136223846793005ull + 1442695040888963407ull;
    }

    char buf[80];
    for (unsigned base = 2; base <= 36; base++) {
        int n = to_base(x ^ base, base, buf);
        for (int i = 0; i < n; i++) h = mix(h, (uint64_t)buf[i] << (i & 31));
    }

    for (int i = 0; i < 2000; i++) {
        uint64_t key = (x >> 20) % 3000;
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        unsigned slot = (unsigned)(key % 4093);
        while (table[slot].used && table[slot].key != key) slot = (slot + 1) % 4093;
        table[slot].used = 1;
        table[slot].key = key;
        table[slot].value += (uint32_t)i;
    }
    for (int i = 0; i < 4093; i++) h = mix(h, table[i].key * 31 + table[i].value);

    for (int i = 0; i < 256; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        sortv[i] = (int64_t)x >> (i & 15);
    }
    quicksort(sortv, 0, 255);
    for (int i = 0; i < 256; i++) h = mix(h, (uint64_t)sortv[i]);

    h = mix(h, (uint64_t)__builtin_clzll(x | 1) + (uint64_t)__builtin_ctzll(x | 0x8000000000000000ull));
    h = mix(h, __builtin_bswap64(h) ^ (uint64_t)__builtin_bswap16((uint16_t)h));
    checksum = h;
    return 0;
}
