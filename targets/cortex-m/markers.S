/* mote firmware — the instruction-counter markers for Thumb (targets/common/board.h).
 *
 * board_marker_begin executes the reserved hint 0xbfa0, board_marker_end 0xbfb0: real cores and
 * QEMU run them as NOPs; a counting plugin starts / stops at them. Real functions in their own
 * sections, so no compiler can inline them or move code across the call. */
  .syntax unified
  .thumb

  .section .text.board_marker_begin, "ax", %progbits
  .global board_marker_begin
  .type board_marker_begin, %function
  .thumb_func
board_marker_begin:
  .inst.n 0xbfa0
  bx lr
  .size board_marker_begin, . - board_marker_begin

  .section .text.board_marker_end, "ax", %progbits
  .global board_marker_end
  .type board_marker_end, %function
  .thumb_func
board_marker_end:
  .inst.n 0xbfb0
  bx lr
  .size board_marker_end, . - board_marker_end
