/* zformat.c: the freestanding formatter the bare-metal demo programs of both ISAs share (guest/riscv64/
 * zones, guest/aarch64/zones, the IVC demos): zvsnprintf knows %d %i %u %x %X %p %s %c %% with the flags
 * '-' and '0', a width (or *) and the length modifiers l, ll, z; zsnprintf on top of it. No libc, no
 * state: each console.c writes the result where its zone prints. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

int zvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int zsnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

struct out {
    char *buf;
    size_t size, len;        /* len counts every character, even those that did not fit */
};

static void put(struct out *o, char c)
{
    if (c == '\n')
        put(o, '\r');
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void put_padded(struct out *o, const char *s, size_t n, int width, int left, char pad)
{
    int fill = width > (int)n ? width - (int)n : 0;
    if (!left)
        while (fill-- > 0)
            put(o, pad);
    for (size_t i = 0; i < n; i++)
        put(o, s[i]);
    if (left)
        while (fill-- > 0)
            put(o, ' ');
}

int zvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = { buf, size, 0 };
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put(&o, *fmt);
            continue;
        }
        fmt++;
        int left = 0, zero = 0, width = 0, lng = 0;
        for (;; fmt++) {
            if (*fmt == '-') left = 1;
            else if (*fmt == '0') zero = 1;
            else break;
        }
        if (*fmt == '*') {
            width = va_arg(ap, int);
            fmt++;
        } else {
            while (*fmt >= '0' && *fmt <= '9')
                width = width * 10 + (*fmt++ - '0');
        }
        while (*fmt == 'l' || *fmt == 'z') {
            lng = 1;
            fmt++;
        }
        char tmp[24];
        size_t n = 0;
        char pad = zero && !left ? '0' : ' ';
        switch (*fmt) {
        case 'd':
        case 'i': {
            long v = lng ? va_arg(ap, long) : va_arg(ap, int);
            uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
            do { tmp[sizeof tmp - 1 - n++] = (char)('0' + u % 10); u /= 10; } while (u);
            if (v < 0) {
                if (pad == '0') { put(&o, '-'); width--; }
                else tmp[sizeof tmp - 1 - n++] = '-';
            }
            put_padded(&o, tmp + sizeof tmp - n, n, width, left, pad);
            break;
        }
        case 'u':
        case 'x':
        case 'X':
        case 'p': {
            uint64_t u;
            unsigned base = *fmt == 'u' ? 10 : 16;
            const char *digits = *fmt == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
            if (*fmt == 'p') {
                u = (uintptr_t)va_arg(ap, void *);
                put(&o, '0'); put(&o, 'x');
            } else {
                u = lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
            }
            do { tmp[sizeof tmp - 1 - n++] = digits[u % base]; u /= base; } while (u);
            put_padded(&o, tmp + sizeof tmp - n, n, width, left, pad);
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s) s = "(null)";
            size_t len = 0;
            while (s[len]) len++;
            put_padded(&o, s, len, width, left, ' ');
            break;
        }
        case 'c':
            tmp[0] = (char)va_arg(ap, int);
            put_padded(&o, tmp, 1, width, left, ' ');
            break;
        case '%':
            put(&o, '%');
            break;
        case '\0':
            fmt--;
            break;
        default:
            put(&o, '%');
            put(&o, *fmt);
            break;
        }
    }
    if (size > 0)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

int zsnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = zvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
