/*
 * ivc-peer.c: zone 1 of the IVC demo (examples/aarch64-ivc), started by the layout as if the root ran
 * `hvisor zone start`. It has no console: it talks only through IVC. It takes its doorbell SPI 66,
 * then three times writes "ping N" into its out section, counts in the shared read-write section and
 * rings the root (peer 0), waiting for the root's "pong N"; then it says "done" and sleeps.
 */
#include "ivc.h"

#define DOORBELL 66
#define ROUNDS 3

static volatile unsigned pongs;

void irq_handler(void) {
    uint32_t intid = (uint32_t)MRS(ICC_IAR1_EL1);
    if (intid == SPURIOUS) return;
    if (intid == DOORBELL) {
        volatile char *reply = out_section(0);
        if (reply[0] == 'p' && reply[5] == (char)('0' + (pongs + 1) % 10)) pongs++;
    }
    MSR(ICC_EOIR1_EL1, intid);
}

void secondary(void) { }

int main(void) {
    unsigned me = r32(IVC_CT + CT_PEER_ID);
    gic_take_spi(1, DOORBELL);
    for (unsigned n = 1; n <= ROUNDS; n++) {
        char message[32] = "ping N from zone 1, peer P";
        message[5] = (char)('0' + n);
        message[25] = (char)('0' + me);
        copy_string(out_section(me), message);
        rw_section()[0] += 1;
        ivc_ring(0);
        /* Check and sleep with IRQs masked: a pong that lands between the check and the WFI still wakes
         * the WFI (a pending IRQ does, masked or not) and is taken once they are unmasked. */
        for (;;) {
            __asm__ volatile("msr daifset, #2" ::: "memory");
            if (pongs >= n) break;
            __asm__ volatile("wfi");
            __asm__ volatile("msr daifclr, #2" ::: "memory");
        }
        __asm__ volatile("msr daifclr, #2" ::: "memory");
    }
    copy_string(out_section(me), "done: 3 pongs received");
    ivc_ring(0);
    for (;;) __asm__ volatile("wfi");
}
