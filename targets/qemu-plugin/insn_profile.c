/* insn_profile — a QEMU TCG plugin that counts, per guest instruction address, how often each
 * instruction executed between the begin and end markers (the same markers as insn_count.c).
 * A diagnostic companion of the counter: it answers "which loop spends the instructions".
 *
 *   qemu-system-arm ... -plugin libinsn_profile.so,out=FILE
 *
 * At the (first) end marker it writes FILE: one line `<address in hex> <count>` per instruction
 * that executed in the region, in address order, and a last line `total <N>` (equal to
 * insn_count's figure). bench/fw_profile.sh turns it into per-function totals with the ELF's
 * symbols. Markers and instruction lengths are recognised as in insn_count.c.
 *
 * How: every translated instruction gets an inline 64-bit increment of its own slot in a table
 * keyed by address (a retranslation finds the same slot); the begin marker saves every slot's
 * value and the end marker writes the differences. Single vCPU only.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "insn_markers.h"
#include "qemu_plugin_api.h"

MOTE_QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

enum { kSlots = 1 << 20 }; /* open addressing; far more than any firmware's instructions */

struct slot {
  uint64_t addr; /* address + 1, 0 = empty */
  uint64_t count;
  uint64_t at_begin;
};

static int g_arch;
static struct slot* g_slots;
static int g_state; /* 0 before begin, 1 inside, 2 written */
static const char* g_path;

static struct slot* slot_of(uint64_t addr) {
  uint64_t h = (addr * 0x9E3779B97F4A7C15ull) >> 44;
  for (;;) {
    struct slot* s = &g_slots[h & (kSlots - 1)];
    if (s->addr == addr + 1) return s;
    if (s->addr == 0) {
      s->addr = addr + 1;
      return s;
    }
    ++h;
  }
}

static int by_addr(const void* a, const void* b) {
  const struct slot* x = (const struct slot*)a;
  const struct slot* y = (const struct slot*)b;
  return x->addr < y->addr ? -1 : (x->addr > y->addr ? 1 : 0);
}

static void write_profile(void) {
  size_t n = 0;
  for (size_t i = 0; i < kSlots; ++i)
    if (g_slots[i].addr != 0 && g_slots[i].count != g_slots[i].at_begin) g_slots[n++] = g_slots[i];
  qsort(g_slots, n, sizeof *g_slots, by_addr);
  FILE* f = fopen(g_path, "w");
  if (!f) {
    fprintf(stderr, "insn_profile: error: cannot write %s\n", g_path);
    return;
  }
  uint64_t total = 0;
  for (size_t i = 0; i < n; ++i) {
    const uint64_t c = g_slots[i].count - g_slots[i].at_begin;
    fprintf(f, "%llx %llu\n", (unsigned long long)(g_slots[i].addr - 1), (unsigned long long)c);
    total += c;
  }
  fprintf(f, "total %llu\n", (unsigned long long)total);
  fclose(f);
}

static void on_marker(unsigned int vcpu_index, void* userdata) {
  (void)vcpu_index;
  if ((uintptr_t)userdata == kMarkerBegin && g_state == 0) {
    for (size_t i = 0; i < kSlots; ++i) g_slots[i].at_begin = g_slots[i].count;
    g_state = 1;
  } else if ((uintptr_t)userdata == kMarkerEnd && g_state == 1) {
    g_state = 2;
    write_profile(); /* reorders the table: no counting after this */
  }
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb* tb) {
  (void)id;
  if (g_state == 2) return;
  const size_t n = qemu_plugin_tb_n_insns(tb);
  for (size_t i = 0; i < n; ++i) {
    struct qemu_plugin_insn* insn = qemu_plugin_tb_get_insn(tb, i);
    const int marker = insn_marker(insn, g_arch);
    if (marker == kMarkerNone) {
      struct slot* s = slot_of(qemu_plugin_insn_vaddr(insn));
      qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &s->count, 1);
    } else {
      qemu_plugin_register_vcpu_insn_exec_cb(insn, on_marker, QEMU_PLUGIN_CB_NO_REGS,
                                             (void*)(uintptr_t)marker);
    }
  }
}

MOTE_QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t* info, int argc,
                                                char** argv) {
  const char* target = info && info->target_name ? info->target_name : "";
  g_arch = strcmp(target, "arm") == 0 ? kArchThumb : (strncmp(target, "riscv", 5) == 0 ? kArchRiscv : 0);
  if (!g_arch) {
    fprintf(stderr, "insn_profile: error: unsupported guest '%s'\n", target);
    return 1;
  }
  for (int i = 0; i < argc; ++i)
    if (strncmp(argv[i], "out=", 4) == 0) g_path = argv[i] + 4;
  if (!g_path) {
    fprintf(stderr, "insn_profile: error: out=FILE is required\n");
    return 1;
  }
  g_slots = (struct slot*)calloc(kSlots, sizeof *g_slots);
  if (!g_slots) return 1;
  qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
  return 0;
}
