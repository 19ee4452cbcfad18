/* hello-m.c: the firmware-style variant of hello, M-mode at 0x8000_0000 with every hart running from reset.
 * Hart 0 prints first, then releases the others: each secondary registers itself in `present`, then sleeps
 * in WFI until `release` is set; hart 0 sets `release` and sends a machine software interrupt (ACLINT MSWI
 * msip) to every registered hart. Each prints its line; hart 0 waits for them, then echoes UART0 input
 * with a machine external interrupt through PLIC context 2*hart (M-mode context of hart 0). */
#include "platform.h"
#include "uart.h"
#include "echo.h"

#define MIE_MSIE (1ul << 3)
#define MIE_MEIE (1ul << 11)
#define MIP_MSIP (1ul << 3)
#define MSTATUS_MIE (1ul << 3)
#define MCAUSE_MEI ((1ul << 63) | 11)
#define MSIP(hart) (*(volatile uint32_t *)(uintptr_t)(ACLINT_MSWI + 4 * (hart)))

/* In .data, not .bss: secondaries touch these before hart 0 has finished clearing .bss. */
static volatile uint32_t present __attribute__((section(".data")));
static volatile uint32_t release __attribute__((section(".data")));
static volatile uint32_t harts_printed __attribute__((section(".data")));

void trap_handler(uint64_t mcause)
{
    if (mcause == MCAUSE_MEI)
        echo_interrupt(0);
}

void secondary_main(uint64_t hartid)
{
    if (hartid >= MAX_HARTS)
        goto sleep;
    /* MSIE on but mstatus.MIE off: the IPI only wakes WFI, no trap is taken. */
    __asm__ volatile("csrs mie, %0" : : "r"(MIE_MSIE));
    __atomic_fetch_or(&present, 1u << hartid, __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&release, __ATOMIC_SEQ_CST))
        __asm__ volatile("wfi");
    MSIP(hartid) = 0;
    hello_line(hartid);
    __atomic_fetch_add(&harts_printed, 1, __ATOMIC_RELEASE);
sleep:
    __asm__ volatile("csrw mie, zero");
    for (;;)
        __asm__ volatile("wfi");
}

void boot_main(uint64_t hartid)
{
    uart_init();
    hello_line(hartid);

    __atomic_store_n(&release, 1, __ATOMIC_SEQ_CST);
    uint32_t mask = __atomic_load_n(&present, __ATOMIC_SEQ_CST);
    uint32_t count = 0;
    for (unsigned h = 0; h < MAX_HARTS; h++) {
        if (mask & (1u << h)) {
            MSIP(h) = 1;
            count++;
        }
    }
    /* Harts that registered after `mask` was read see `release` themselves; wait for those we know of. */
    while (__atomic_load_n(&harts_printed, __ATOMIC_ACQUIRE) < count)
        ;

    echo_start(2 * hartid);
    __asm__ volatile("csrs mie, %0" : : "r"(MIE_MEIE));
    __asm__ volatile("csrs mstatus, %0" : : "r"(MSTATUS_MIE));
    for (;;)
        __asm__ volatile("wfi");
}
