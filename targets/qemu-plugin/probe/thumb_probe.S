@ Probe firmware for the instruction counter, Cortex-M (qemu-system-arm -M mps2-an386).
@ Regions with known instruction counts, in this order (the counter prints one line per region):
@   1. begin immediately followed by end                            0
@   2. 37 NOPs                                                       37
@   3. movs + a 10-iteration subs/bne loop                          1 + 2 * 10 = 21
@   4. begin marker in the last word of a 1 KiB page (0x3fc) and end marker at 0x7fc, followed by
@      a 32-bit instruction that straddles 0x800: QEMU peeks at the next halfword there and reports
@      the marker's size as 4 bytes; 511 NOPs in between                 511
@ then a semihosting SYS_EXIT (ADP_Stopped_ApplicationExit: QEMU exits with status 0).
  .syntax unified
  .cpu cortex-m4
  .thumb

  .macro begin_marker
  .inst.n 0xbfa0
  .endm
  .macro end_marker
  .inst.n 0xbfb0
  .endm

  .section .text, "ax"
  .word 0x20010000          @ initial stack pointer (mps2-an386 SRAM)
  .word reset + 1           @ reset vector (Thumb)

  .globl reset
  .thumb_func
reset:
  begin_marker
  end_marker

  begin_marker
  .rept 37
  nop
  .endr
  end_marker

  begin_marker
  movs r0, #10
1:
  subs r0, #1
  bne 1b
  end_marker

  b page_edge

  .org 0x3fa
page_edge:
  nop                       @ 0x3fa
  begin_marker              @ 0x3fc: QEMU peeks at 0x3fe (the page's last halfword) here
  .rept 511                 @ 0x3fe .. 0x7fa
  nop
  .endr
  end_marker                @ 0x7fc
  ldr.w r0, [sp, #-4]       @ 0x7fe: 32-bit, crosses into the next 1 KiB page

  movs r0, #0x18            @ SYS_EXIT
  ldr r1, =0x20026          @ ADP_Stopped_ApplicationExit
  bkpt 0xab
2:
  b 2b
  .ltorg
