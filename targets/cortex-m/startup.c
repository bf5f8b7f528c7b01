// mote firmware — Cortex-M startup: vector table and reset handler (M4F, M7, M55).
//
// Reset_Handler, in order: enable the FPU (and Helium on M55) by granting full access to
// coprocessors 10 and 11 in CPACR, when the build uses floating point; copy .data from flash to
// RAM; zero .bss; fill the unused stack with a pattern (board_exit reports the deepest use); run
// the static constructors (.preinit_array, .init_array); call main(); pass its return value to
// board_exit(). Linked with -nostartfiles: no crt0, no newlib start-up, no heap.
//
// Faults print `mote: error fault ...` with the exception number, the fault status registers and
// the faulting PC, then exit with status 3, so a crash under QEMU ends the run with a message
// instead of hanging.
//
// Symbols come from targets/cortex-m/sections.ld: __data_load__, __data_start__, __data_end__,
// __bss_start__, __bss_end__, __StackLimit, __StackTop, __{preinit,init}_array_{start,end}.
#include <stddef.h>
#include <stdint.h>

#include "targets/common/board.h"
#include "targets/cortex-m/cortex_m.h"

extern uint32_t __data_load__[], __data_start__[], __data_end__[];
extern uint32_t __bss_start__[], __bss_end__[];
extern uint32_t __StackLimit[], __StackTop[];
extern void (*__preinit_array_start[])(void);
extern void (*__preinit_array_end[])(void);
extern void (*__init_array_start[])(void);
extern void (*__init_array_end[])(void);

int main(void);
void Reset_Handler(void) __attribute__((noreturn));
void Fault_Handler(void);

static void write_str(const char* s) {
  size_t n = 0;
  while (s[n]) ++n;
  board_write(s, n);
}

static void write_hex32(uint32_t v) {
  char buf[11] = {'0', 'x'};
  for (int i = 0; i < 8; ++i) buf[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 15u];
  buf[10] = ' ';
  board_write(buf, sizeof(buf));
}

void Reset_Handler(void) {
#if defined(__ARM_FP) || defined(__ARM_FEATURE_MVE)
  MOTE_REG(MOTE_SCB_CPACR) |= (0xFu << 20);  // CP10, CP11: full access
  __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
  for (uint32_t *src = __data_load__, *dst = __data_start__; dst < __data_end__;) *dst++ = *src++;
  for (uint32_t* p = __bss_start__; p < __bss_end__;) *p++ = 0;
  uint32_t* sp;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  for (uint32_t* p = __StackLimit; p < sp - 16;) *p++ = MOTE_STACK_PATTERN;
  for (void (**f)(void) = __preinit_array_start; f < __preinit_array_end; ++f) (*f)();
  for (void (**f)(void) = __init_array_start; f < __init_array_end; ++f) (*f)();
  board_exit(main());
}

// Any exception other than reset: report and stop. `frame` is the stacked exception frame
// (r0-r3, r12, lr, pc, xpsr), taken from MSP or PSP as EXC_RETURN in lr says.
__attribute__((noreturn, used)) static void fault_report(const uint32_t* frame) {
  uint32_t ipsr;
  __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
  write_str("mote: error fault: exception ");
  write_hex32(ipsr & 0x1ffu);
  write_str("CFSR ");
  write_hex32(MOTE_REG(MOTE_SCB_CFSR));
  write_str("HFSR ");
  write_hex32(MOTE_REG(MOTE_SCB_HFSR));
  write_str("BFAR ");
  write_hex32(MOTE_REG(MOTE_SCB_BFAR));
  write_str("PC ");
  write_hex32(frame[6]);
  write_str("\n");
  board_exit(3);
}

__attribute__((naked)) void Fault_Handler(void) {
  __asm__ volatile(
      "tst lr, #4\n\t"
      "ite eq\n\t"
      "mrseq r0, msp\n\t"
      "mrsne r0, psp\n\t"
      "b fault_report\n\t");
}

// Initial stack pointer, reset, then the 14 system exceptions (NMI .. SysTick). No external
// interrupts are enabled, so the table stops there.
__attribute__((section(".isr_vector"), used)) void (*const g_vector_table[16])(void) = {
    (void (*)(void))__StackTop,
    Reset_Handler,
    Fault_Handler,  // NMI
    Fault_Handler,  // HardFault
    Fault_Handler,  // MemManage
    Fault_Handler,  // BusFault
    Fault_Handler,  // UsageFault
    Fault_Handler,  // SecureFault (v8-M)
    0,
    0,
    0,
    Fault_Handler,  // SVCall
    Fault_Handler,  // DebugMonitor
    0,
    Fault_Handler,  // PendSV
    Fault_Handler,  // SysTick
};
