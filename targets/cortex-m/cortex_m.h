// mote firmware — the few Cortex-M system registers the Cortex-M board code touches.
#pragma once

#include <stdint.h>

#define MOTE_REG(addr) (*(volatile uint32_t*)(addr))
#define MOTE_SCB_CPACR 0xE000ED88u  // coprocessor access control (CP10/CP11 = FPU, MVE)
#define MOTE_SCB_CFSR 0xE000ED28u   // configurable fault status
#define MOTE_SCB_HFSR 0xE000ED2Cu   // hard fault status
#define MOTE_SCB_BFAR 0xE000ED38u   // bus fault address

// Fills the unused stack at reset; board_exit() finds the deepest word that changed.
#define MOTE_STACK_PATTERN 0x5AFEC0DEu
