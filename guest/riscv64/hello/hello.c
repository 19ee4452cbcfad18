/* hello.c: the demo zone guest, S-mode, entered at 0x8020_0000 like a kernel under hvisor/OpenSBI.
 * The boot hart prints its hello line, starts every other hart with SBI HSM hart_start (hartids 0..7; the
 * SBI answers SBI_ERR_INVALID_PARAM for harts that do not exist and we ignore that), waits until every
 * started hart has printed, then runs an echo console on the UART0 receive interrupt through the PLIC
 * S-mode context of the boot hart (2*hart+1), sleeping in WFI between interrupts. Started harts print their
 * own line and sleep in WFI forever. */
#include "platform.h"
#include "uart.h"
#include "echo.h"

#define SIE_SEIE (1ul << 9)
#define SSTATUS_SIE (1ul << 1)
#define SCAUSE_SEI ((1ul << 63) | 9)

extern char _secondary_start[];

static volatile uint32_t harts_printed;
static uint64_t boot_hart;

static long sbi_hart_start(uint64_t hartid, uint64_t start_addr, uint64_t opaque)
{
    register uint64_t a0 __asm__("a0") = hartid;
    register uint64_t a1 __asm__("a1") = start_addr;
    register uint64_t a2 __asm__("a2") = opaque;
    register uint64_t a6 __asm__("a6") = 0;              /* FID 0: hart_start */
    register uint64_t a7 __asm__("a7") = SBI_EXT_HSM;
    __asm__ volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a2), "r"(a6), "r"(a7) : "memory");
    return (long)a0;                                      /* SBI error code */
}

void trap_handler(uint64_t scause)
{
    if (scause == SCAUSE_SEI)
        echo_interrupt(2 * boot_hart + 1);
}

void secondary_main(uint64_t hartid)
{
    hello_line(hartid);
    __atomic_fetch_add(&harts_printed, 1, __ATOMIC_RELEASE);
    for (;;)
        __asm__ volatile("wfi");
}

void boot_main(uint64_t hartid, uint64_t dtb)
{
    (void)dtb;
    boot_hart = hartid;
    uart_init();
    hello_line(hartid);

    uint32_t started = 0;
    for (uint64_t h = 0; h < MAX_HARTS; h++) {
        if (h != hartid && sbi_hart_start(h, (uint64_t)_secondary_start, 0) == 0)
            started++;
    }
    /* Keep the transcript deterministic: the prompt comes after every hello line. */
    while (__atomic_load_n(&harts_printed, __ATOMIC_ACQUIRE) < started)
        ;

    echo_start(2 * hartid + 1);
    __asm__ volatile("csrs sie, %0" : : "r"(SIE_SEIE));
    __asm__ volatile("csrs sstatus, %0" : : "r"(SSTATUS_SIE));
    for (;;)
        __asm__ volatile("wfi");                          /* idle: the host can sleep */
}
