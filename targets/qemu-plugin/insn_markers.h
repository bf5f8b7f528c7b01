/* insn_markers.h — how mote's QEMU plugins (insn_count.c, insn_profile.c) recognise the marker
 * instructions that firmware emits around Interpreter::invoke.
 *
 *   Thumb    0xbfa0 begin, 0xbfb0 end   16-bit reserved hints: NOPs on every M-profile core
 *   RISC-V   0x00102013 begin (slti x0, x0, 1), 0x00202013 end (slti x0, x0, 2)
 *
 * Instruction lengths are decoded from the instruction bytes, never taken from
 * qemu_plugin_insn_size(): near a 1 KiB boundary QEMU 7.2 can report a Thumb instruction's size
 * including the next halfword it peeked at, and a marker compared by size would be missed.
 *   Thumb:  32-bit if the first halfword's top five bits are 0b11101, 0b11110 or 0b11111.
 *   RISC-V: 16-bit (compressed) unless the low two bits are 0b11.
 */
#ifndef MOTE_INSN_MARKERS_H
#define MOTE_INSN_MARKERS_H

#include <stddef.h>
#include <stdint.h>

#include "qemu_plugin_api.h"

enum { kArchThumb = 1, kArchRiscv = 2 };
enum { kMarkerNone = 0, kMarkerBegin = 1, kMarkerEnd = 2 };

static const uint16_t kThumbBegin = 0xbfa0;
static const uint16_t kThumbEnd = 0xbfb0;
static const uint32_t kRiscvBegin = 0x00102013; /* slti x0, x0, 1 */
static const uint32_t kRiscvEnd = 0x00202013;   /* slti x0, x0, 2 */

/* Little-endian reads of instruction bytes (the data pointer has no alignment guarantee). */
static inline uint32_t read_le(const uint8_t* p, size_t n) {
  uint32_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= (uint32_t)p[i] << (8 * i);
  return v;
}

/* Which marker `insn` is (kMarkerNone, kMarkerBegin, kMarkerEnd), from its bytes and decoded
 * length; arch is kArchThumb or kArchRiscv. */
static inline int insn_marker(const struct qemu_plugin_insn* insn, int arch) {
  const uint8_t* bytes = (const uint8_t*)qemu_plugin_insn_data(insn);
  const size_t reported = qemu_plugin_insn_size(insn);
  if (bytes == NULL || reported < 2) return kMarkerNone;
  if (arch == kArchThumb) {
    const uint16_t first = (uint16_t)read_le(bytes, 2);
    const int is_32bit = (first >> 11) >= 0x1d; /* 0b11101, 0b11110, 0b11111 */
    if (is_32bit) return kMarkerNone;
    if (first == kThumbBegin) return kMarkerBegin;
    if (first == kThumbEnd) return kMarkerEnd;
    return kMarkerNone;
  }
  const uint16_t low = (uint16_t)read_le(bytes, 2);
  if ((low & 3) != 3 || reported < 4) return kMarkerNone; /* compressed: no marker is 16-bit */
  const uint32_t word = read_le(bytes, 4);
  if (word == kRiscvBegin) return kMarkerBegin;
  if (word == kRiscvEnd) return kMarkerEnd;
  return kMarkerNone;
}

#endif
