# Probe firmware for the instruction counter, RV32IMAC (qemu-system-riscv32 -M virt -bios none,
# which starts executing at 0x80000000). Regions with known instruction counts, in order:
#   1. begin immediately followed by end                                  0
#   2. 37 NOPs (compressed c.nop)                                          37
#   3. li + a 10-iteration addi/bnez loop                                 1 + 2 * 10 = 21
#   4. begin at 0x80000ff0, five c.nop, end marker at 0x80000ffe: a 32-bit marker at a
#      2-mod-4 address that straddles the 4 KiB page boundary            5
# then a semihosting SYS_EXIT (ADP_Stopped_ApplicationExit: QEMU exits with status 0; needs
# -semihosting-config enable=on,target=native).
  .option rvc

  .macro begin_marker
  slti x0, x0, 1
  .endm
  .macro end_marker
  slti x0, x0, 2
  .endm

  .section .text, "ax"
  .globl _start
_start:
  begin_marker
  end_marker

  begin_marker
  .rept 37
  c.nop
  .endr
  end_marker

  begin_marker
  li t0, 10
1:
  addi t0, t0, -1
  bnez t0, 1b
  end_marker

  j page_edge

  .org 0xff0
page_edge:
  begin_marker              # 0xff0
  .rept 5                   # 0xff4 .. 0xffc
  c.nop
  .endr
  end_marker                # 0xffe: crosses into the next page

  li a0, 0x18               # SYS_EXIT
  li a1, 0x20026            # ADP_Stopped_ApplicationExit
  .option push
  .option norvc
  .balign 16                # the three-instruction semihosting sequence must not cross a page
  slli x0, x0, 0x1f
  ebreak
  srai x0, x0, 7
  .option pop
2:
  j 2b
