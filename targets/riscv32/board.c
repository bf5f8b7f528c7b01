/* mote firmware — board API (targets/common/board.h) for RV32IMAC under
 * `qemu-system-riscv32 -M virt -bios none -m 8M -semihosting-config enable=on,target=native`.
 *
 * The C runtime is picolibc with its semihosting crt0 and OS layer (`--specs=picolibc.specs
 * --crt0=semihost --oslib=semihost`): crt0 sets the stack pointer to __stack (the end of RAM,
 * memory.ld), copies .data, clears .bss and calls main(). The console is semihosting SYS_WRITE0
 * (QEMU prints it on its stdout) and _exit() is SYS_EXIT_EXTENDED, whose code becomes QEMU's exit
 * status. On a real ESP32-C3 class chip these functions would drive a UART and a reset instead;
 * nothing else in the firmware changes.
 *
 * Stack use: board_init() fills the unused part of the stack region (below its own frame) with a
 * pattern; board_exit() finds the deepest word overwritten and prints `mote: stack_bytes <N>`
 * before exiting, like the Cortex-M board.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "targets/common/board.h"

/* picolibc's semihosting layer (libsemihost). */
void sys_semihost_write0(const char* s);

/* From the linker script (picolibc.ld with memory.ld): the stack occupies
 * [__stack - __stack_size, __stack) at the end of RAM and grows down. */
extern uint32_t __stack[];
extern char __stack_size[];

#define STACK_PATTERN 0x6d6f7465u /* "mote" */

static uint32_t* stack_limit(void) { return (uint32_t*)((char*)__stack - (size_t)__stack_size); }

void board_init(void) {
  /* Paint from the stack limit up to 256 bytes below this frame (margin for this function). */
  uint32_t* p = stack_limit();
  uint32_t* end = (uint32_t*)((uintptr_t)__builtin_frame_address(0) - 256u);
  while (p < end) *p++ = STACK_PATTERN;
}

/* SYS_WRITE0 prints a NUL-terminated string: the text goes out in NUL-terminated chunks. */
void board_write(const char* s, size_t n) {
  char chunk[129];
  while (n > 0) {
    const size_t k = n < sizeof chunk - 1 ? n : sizeof chunk - 1;
    for (size_t i = 0; i < k; ++i) chunk[i] = s[i] ? s[i] : ' ';
    chunk[k] = '\0';
    sys_semihost_write0(chunk);
    s += k;
    n -= k;
  }
}

static void report_stack(void) {
  const uint32_t* p = stack_limit();
  while (p < __stack && *p == STACK_PATTERN) ++p;
  size_t used = (size_t)((const char*)__stack - (const char*)p);
  char line[48] = "mote: stack_bytes ";
  char digits[12];
  int k = 0;
  do {
    digits[k++] = (char)('0' + used % 10);
    used /= 10;
  } while (used);
  size_t n = strlen(line);
  while (k) line[n++] = digits[--k];
  line[n++] = '\n';
  board_write(line, n);
}

void board_exit(int code) {
  report_stack();
  _exit(code);
}
