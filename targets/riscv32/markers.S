/* mote firmware — instruction-count markers for RISC-V (see targets/common/board.h).
 *
 * Each function executes one marker instruction and returns. Both are 32-bit OP-IMM instructions
 * writing x0 (architectural NOPs on every RISC-V core); targets/qemu-plugin/insn_count.c starts
 * counting after `slti x0, x0, 1` and stops at `slti x0, x0, 2`. Being assembly functions in
 * their own file, they are never inlined and the compiler cannot move loads or stores across the
 * calls. The counted region therefore also holds the `ret` of board_marker_begin, the caller's
 * instructions between the two calls and the call of board_marker_end: a fixed overhead of a few
 * instructions, the same in every run. */
  .option norvc
  .section .text.board_marker_begin, "ax", @progbits
  .globl board_marker_begin
  .type board_marker_begin, @function
board_marker_begin:
  slti x0, x0, 1
  ret
  .size board_marker_begin, . - board_marker_begin

  .section .text.board_marker_end, "ax", @progbits
  .globl board_marker_end
  .type board_marker_end, @function
board_marker_end:
  slti x0, x0, 2
  ret
  .size board_marker_end, . - board_marker_end
