// mote firmware — Cortex-M board on QEMU: console and exit through Arm semihosting.
//
// Semihosting: the program executes `bkpt 0xab` with an operation number in r0 and an argument
// in r1; QEMU (run with `-semihosting-config enable=on,target=native`) performs it on the host.
//   SYS_WRITE0 (0x04)         r1 = NUL-terminated string, printed on QEMU's console (stderr
//                             without a semihosting chardev)
//   SYS_EXIT_EXTENDED (0x20)  r1 = {ADP_Stopped_ApplicationExit (0x20026), exit code}: QEMU exits
//                             with that code (plain SYS_EXIT on AArch32 can only say 0 or 1)
// On a real board without a debugger, bkpt faults: replace this file by a UART console there.
//
// board_exit() also prints `mote: stack_bytes <N>`: the deepest stack use since reset, found by
// scanning the pattern Reset_Handler wrote below the initial stack pointer.
#include <stddef.h>
#include <stdint.h>

#include "targets/common/board.h"
#include "targets/cortex-m/cortex_m.h"

#define SYS_WRITE0 0x04
#define SYS_EXIT 0x18
#define SYS_EXIT_EXTENDED 0x20
#define ADP_STOPPED_APPLICATION_EXIT 0x20026
#define ADP_STOPPED_RUNTIME_ERROR 0x20023

extern uint32_t __StackLimit[], __StackTop[];

static uint32_t semihost(uint32_t op, const void* arg) {
  register uint32_t r0 __asm__("r0") = op;
  register const void* r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

void board_init(void) {}

void board_write(const char* s, size_t n) {
  char buf[129];
  while (n > 0) {
    size_t k = n < sizeof(buf) - 1 ? n : sizeof(buf) - 1;
    for (size_t i = 0; i < k; ++i) buf[i] = s[i] ? s[i] : ' ';
    buf[k] = '\0';
    (void)semihost(SYS_WRITE0, buf);
    s += k;
    n -= k;
  }
}

static void report_stack(void) {
  const uint32_t* p = __StackLimit;
  while (p < __StackTop && *p == MOTE_STACK_PATTERN) ++p;
  size_t used = (size_t)((const char*)__StackTop - (const char*)p);
  char buf[48] = "mote: stack_bytes ";
  char digits[12];
  int k = 0;
  do {
    digits[k++] = (char)('0' + used % 10);
    used /= 10;
  } while (used);
  size_t n = 18;
  while (k) buf[n++] = digits[--k];
  buf[n++] = '\n';
  board_write(buf, n);
}

void board_exit(int code) {
  report_stack();
  uint32_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint32_t)code};
  (void)semihost(SYS_EXIT_EXTENDED, block);
  // Only reached if the extended call is not supported: 0 or "error".
  (void)semihost(SYS_EXIT, (const void*)(uintptr_t)(code == 0 ? ADP_STOPPED_APPLICATION_EXIT : ADP_STOPPED_RUNTIME_ERROR));
  for (;;) __asm__ volatile("wfi");
}
