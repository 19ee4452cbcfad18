/* echo.h: hello line and interrupt-driven echo console shared by hello (S-mode) and hello-m (M-mode). */
#ifndef ECHO_H
#define ECHO_H
#include <stdint.h>

void hello_line(uint64_t hartid);
void echo_start(unsigned context);       /* PLIC routing, prompt, UART RX interrupt on */
void echo_interrupt(unsigned context);   /* claim/complete loop; echoes every received byte */

#endif
