/* The part of QEMU's TCG plugin API that the instruction counter uses.
 *
 * Debian's QEMU 7.2 loads plugins (`-plugin lib.so,arg=...`) but installs no plugin header, so the
 * few declarations needed are written out here from QEMU's plugin documentation
 * (docs/devel/tcg-plugins.rst and the API reference). They describe functions that the QEMU
 * executable itself exports: the plugin .so is linked without them and QEMU resolves them when it
 * dlopen()s the plugin.
 *
 * API level: QEMU refuses a plugin whose exported `qemu_plugin_version` lies outside the range of
 * API levels it supports. Debian's QEMU 7.2 implements level 1, the level declared here (checked:
 * qemu-system-arm and qemu-system-riscv32 7.2 load the plugin).
 *
 * Lifecycle of a plugin, as used here:
 *   qemu_plugin_install()                  called once at load; registers the callbacks below
 *   translation callback (per block)       sees each guest instruction once per translation and
 *                                          attaches run-time actions to it: an inline counter
 *                                          increment, or a C callback
 *   run-time actions                       run every time the translated instruction executes
 *   at-exit callback                       runs when QEMU exits normally
 */
#ifndef MOTE_QEMU_PLUGIN_API_H
#define MOTE_QEMU_PLUGIN_API_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MOTE_QEMU_PLUGIN_EXPORT __attribute__((visibility("default")))

/* The API level this plugin was written against (exported as `qemu_plugin_version`). */
#define QEMU_PLUGIN_VERSION 1

typedef uint64_t qemu_plugin_id_t;

/* What QEMU tells the plugin at install time; only valid during qemu_plugin_install(). */
typedef struct qemu_info_t {
  const char* target_name; /* guest architecture: "arm", "riscv32", ... */
  struct {
    int min; /* oldest API level this QEMU accepts */
    int cur; /* newest API level this QEMU implements */
  } version;
  _Bool system_emulation; /* true for qemu-system-*, false for linux-user */
  union {
    struct {
      int smp_vcpus;
      int max_vcpus;
    } system;
  };
} qemu_info_t;

/* Opaque handles, valid only inside the translation callback that received them. */
struct qemu_plugin_tb;   /* a translation block being translated */
struct qemu_plugin_insn; /* one guest instruction of that block */

/* Whether a run-time callback reads or writes guest registers (it does neither here). */
enum qemu_plugin_cb_flags {
  QEMU_PLUGIN_CB_NO_REGS,
  QEMU_PLUGIN_CB_R_REGS,
  QEMU_PLUGIN_CB_RW_REGS,
};

/* Inline operations: generated directly into the translated code, no call. */
enum qemu_plugin_op {
  QEMU_PLUGIN_INLINE_ADD_U64, /* *(uint64_t*)ptr += imm */
};

typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void* userdata);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void* userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb* tb);

/* Every plugin defines these two. install returns 0 to load, anything else refuses loading.
 * argv holds the "key=value" options given after the .so name on the command line; it stays valid
 * for the plugin's lifetime. */
MOTE_QEMU_PLUGIN_EXPORT extern int qemu_plugin_version;
MOTE_QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t* info, int argc, char** argv);

/* Called each time QEMU translates a block of guest code. */
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
/* Called once when QEMU exits through its normal exit path. */
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void* userdata);

/* Inside the translation callback: the block's instructions. */
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb* tb);
struct qemu_plugin_insn* qemu_plugin_tb_get_insn(const struct qemu_plugin_tb* tb, size_t idx);
/* The instruction's bytes as fetched (guest byte order) and how many QEMU reports. The reported
 * size can include bytes the decoder only peeked at, so callers decode the real length. */
const void* qemu_plugin_insn_data(const struct qemu_plugin_insn* insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn* insn);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn* insn);

/* Run-time actions attached to one instruction: executed every time it runs, before it runs. */
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn* insn, qemu_plugin_vcpu_udata_cb_t cb,
                                            enum qemu_plugin_cb_flags flags, void* userdata);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn* insn, enum qemu_plugin_op op, void* ptr,
                                                uint64_t imm);

/* Writes a string to QEMU's log (shown with `-d plugin`, to the file given by `-D FILE`). */
void qemu_plugin_outs(const char* string);

#ifdef __cplusplus
}
#endif

#endif /* MOTE_QEMU_PLUGIN_API_H */
