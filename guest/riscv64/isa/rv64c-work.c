/* rv64c-work.c: integer work compiled with -march=rv64gc so the compiler fills it with c.* instructions
 * (stack-relative loads/stores, short branches, c.addi/c.mv/c.add, c.jal-free calls, c.ld/c.sd on structs).
 * rv64c.S compares the result with the value the same code gives on any correct machine (computed on the
 * build host with a native compiler: see guest/README.md). */
#include <stdint.h>

struct node {
    uint64_t key;
    uint32_t weight;
    int16_t delta;
    uint8_t tag;
    struct node *next;
};

static struct node pool[32];

static __attribute__((noinline)) uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h;
}

static __attribute__((noinline)) struct node *build(int n)
{
    struct node *head = 0;
    for (int i = 0; i < n; i++) {
        struct node *p = &pool[i];
        p->key = (uint64_t)i * i * 2654435761u;
        p->weight = (uint32_t)(i * 7 + 3);
        p->delta = (int16_t)(i - 16);
        p->tag = (uint8_t)(i * 13);
        p->next = head;
        head = p;
    }
    return head;
}

static __attribute__((noinline)) int32_t small_math(int32_t a, int32_t b)
{
    int32_t r = 0;
    for (int i = 0; i < 20; i++) {
        /* unsigned arithmetic where C would call signed overflow undefined; >> of a negative int32_t is
         * arithmetic in GCC and Clang, which is what we want to exercise (c.srai / sraiw) */
        r = (int32_t)((uint32_t)r + (uint32_t)(a >> (i & 7)) - ((uint32_t)b << (i & 3)));
        r ^= a & b;
        r |= (i & 1) ? 0 : 1;
        a = (int32_t)((uint32_t)a * 3u + 1u);
        b = (int32_t)(((uint32_t)b >> 1) | ((uint32_t)b << 31));
    }
    return r;
}

uint64_t rvc_work(void)
{
    uint64_t h = 0;
    for (struct node *p = build(32); p; p = p->next) {
        h = mix(h, p->key);
        h = mix(h, p->weight + (uint64_t)(int64_t)p->delta);
        h = mix(h, p->tag);
    }
    h = mix(h, (uint64_t)(int64_t)small_math(12345, -678));
    return h;
}
