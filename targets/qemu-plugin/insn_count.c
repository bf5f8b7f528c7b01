/* insn_count — a QEMU TCG plugin that counts the guest instructions executed between two marker
 * instructions, exactly and repeatably.
 *
 *   qemu-system-arm -M mps2-an386 ... -plugin libinsn_count.so[,out=FILE]
 *   qemu-system-riscv32 -M virt -bios none ... -plugin libinsn_count.so[,out=FILE]
 *
 * Markers (any firmware built for mote's targets emits them around Interpreter::invoke):
 *   Thumb    0xbfa0 begin, 0xbfb0 end   16-bit reserved hints: NOPs on every M-profile core
 *   RISC-V   0x00102013 begin (slti x0, x0, 1), 0x00202013 end (slti x0, x0, 2): writes to x0,
 *            so NOPs too
 *
 * Output: when an end marker executes, one line `insn_count: N`, N being the instructions executed
 * strictly between the begin marker and this end marker (the markers themselves are not counted,
 * so a begin immediately followed by an end gives 0). One line per region, in order. Lines go to
 * stderr, to FILE (appended) when `out=FILE` is given, and to QEMU's log (`-d plugin -D LOG`).
 * At exit, problems are reported as `insn_count: error: ...` lines: an end without a begin, a
 * begin while a region is open, or no region at all.
 *
 * How it counts: at translation time every instruction except a marker gets an inline 64-bit
 * increment of one global counter (no call, a few host instructions), and each marker gets a
 * callback that reads the counter. N is the difference of the two readings. Inline increments run
 * before their instruction, so an instruction is counted once each time it starts executing;
 * firmware regions run without interrupts or faults, so that is exactly once per instruction.
 * Nothing depends on timing or on how QEMU cuts the code into blocks: counts repeat exactly.
 *
 * Instruction lengths are decoded from the instruction bytes, never taken from
 * qemu_plugin_insn_size(): near a 1 KiB boundary QEMU 7.2 can report a Thumb instruction's size
 * including the next halfword it peeked at, and a marker compared by size would be missed.
 *   Thumb:  32-bit if the first halfword's top five bits are 0b11101, 0b11110 or 0b11111.
 *   RISC-V: 16-bit (compressed) unless the low two bits are 0b11.
 *
 * Single vCPU only (mps2 and virt with their default -smp 1): the counter is not atomic.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "insn_markers.h"
#include "qemu_plugin_api.h"

MOTE_QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

/* Plugin state. QEMU calls the run-time callbacks from the one vCPU thread. */
static int g_arch;
static uint64_t g_executed;     /* instructions started, markers excluded */
static uint64_t g_begin_at;     /* g_executed at the open region's begin marker */
static int g_open;              /* a begin marker ran and its end has not */
static uint64_t g_regions;      /* completed regions */
static uint64_t g_unmatched_end;
static uint64_t g_nested_begin;
static FILE* g_out;             /* out=FILE, or NULL */

static void emit(const char* line) {
  fputs(line, stderr);
  fflush(stderr);
  if (g_out) {
    fputs(line, g_out);
    fflush(g_out);
  }
  qemu_plugin_outs(line);
}

static void on_marker(unsigned int vcpu_index, void* userdata) {
  (void)vcpu_index;
  char line[96];
  if ((uintptr_t)userdata == kMarkerBegin) {
    if (g_open) ++g_nested_begin;
    g_open = 1;
    g_begin_at = g_executed;
    return;
  }
  if (!g_open) {
    ++g_unmatched_end;
    return;
  }
  g_open = 0;
  ++g_regions;
  snprintf(line, sizeof line, "insn_count: %llu\n", (unsigned long long)(g_executed - g_begin_at));
  emit(line);
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb* tb) {
  (void)id;
  const size_t n = qemu_plugin_tb_n_insns(tb);
  for (size_t i = 0; i < n; ++i) {
    struct qemu_plugin_insn* insn = qemu_plugin_tb_get_insn(tb, i);
    const int marker = insn_marker(insn, g_arch);
    if (marker == kMarkerNone)
      qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &g_executed, 1);
    else
      qemu_plugin_register_vcpu_insn_exec_cb(insn, on_marker, QEMU_PLUGIN_CB_NO_REGS, (void*)(uintptr_t)marker);
  }
}

static void on_exit_report(qemu_plugin_id_t id, void* userdata) {
  (void)id;
  (void)userdata;
  char line[128];
  if (g_unmatched_end) {
    snprintf(line, sizeof line, "insn_count: error: %llu end marker(s) without a begin\n",
             (unsigned long long)g_unmatched_end);
    emit(line);
  }
  if (g_nested_begin) {
    snprintf(line, sizeof line, "insn_count: error: %llu begin marker(s) while a region was open\n",
             (unsigned long long)g_nested_begin);
    emit(line);
  }
  if (g_open) emit("insn_count: error: a begin marker without an end\n");
  if (g_regions == 0 && !g_open) emit("insn_count: error: no marker region executed\n");
  if (g_out) {
    fclose(g_out);
    g_out = NULL;
  }
}

/* "key=value" → value if the key matches, else NULL. */
static const char* option(const char* arg, const char* key) {
  const size_t n = strlen(key);
  return strncmp(arg, key, n) == 0 && arg[n] == '=' ? arg + n + 1 : NULL;
}

MOTE_QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t* info, int argc,
                                                char** argv) {
  const char* target = info && info->target_name ? info->target_name : "";
  if (strcmp(target, "arm") == 0) {
    g_arch = kArchThumb;
  } else if (strncmp(target, "riscv", 5) == 0) {
    g_arch = kArchRiscv;
  } else {
    fprintf(stderr, "insn_count: error: unsupported guest '%s' (arm M-profile and riscv only)\n", target);
    return 1;
  }
  for (int i = 0; i < argc; ++i) {
    const char* path = option(argv[i], "out");
    if (path) {
      g_out = fopen(path, "a");
      if (!g_out) {
        fprintf(stderr, "insn_count: error: cannot open %s for appending\n", path);
        return 1;
      }
      continue;
    }
    fprintf(stderr, "insn_count: error: unknown option '%s' (known: out=FILE)\n", argv[i]);
    return 1;
  }
  qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
  qemu_plugin_register_atexit_cb(id, on_exit_report, NULL);
  return 0;
}
