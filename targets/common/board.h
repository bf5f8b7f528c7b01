// mote firmware — the portable board API every target implements.
//
// A target (targets/cortex-m/, targets/riscv32/, ...) provides these five functions; the example
// firmware (targets/common/bench_main.cc) uses nothing else, so it builds unchanged for every
// target. Under QEMU the console is semihosting and board_exit() ends the emulator with `code` as
// its exit status (`-semihosting-config enable=on,target=native`).
//
//   board_init();
//   board_write("mote: ok\n", 9);
//   board_marker_begin();          // the instruction counter starts here ...
//   run_inference();               // ... an opaque (non-inlined) call ...
//   board_marker_end();            // ... and stops here
//   board_exit(0);
//
// Markers: each marker function executes one reserved instruction that real cores run as a NOP
// and an instruction counter (a QEMU TCG plugin) recognises:
//   Thumb    begin .inst.n 0xbfa0          end .inst.n 0xbfb0
//   RISC-V   begin slti x0, x0, 1          end slti x0, x0, 2
// They are real functions (never inlined, defined in assembly) so the compiler cannot move work
// across them; the code between them should be one call to a non-inlined function.
//
// C and C++ callers; C headers only (this is device code).
#pragma once

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

// Once, first thing in main(): anything the console or the timers need.
void board_init(void);
// Writes n bytes to the console (no NUL needed; bytes may be any text).
void board_write(const char* s, size_t n);
// Ends the program. Under QEMU with semihosting the emulator exits with `code` (0..255).
void board_exit(int code) __attribute__((noreturn));
// The begin / end marker instructions (see above).
void board_marker_begin(void);
void board_marker_end(void);

#ifdef __cplusplus
}
#endif
