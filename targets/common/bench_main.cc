// mote firmware — the example application: one exported model, one input, one inference.
//
// Builds unchanged for every target (only targets/common/board.h is target-specific). It includes
// `model_input.h`, written by `mote export MODEL --name NAME -o DIR --input FILE...`, which brings
// in the exported model (NAME_model.h, NAME_model_settings.h), the input bytes and these macros:
//
//   MOTE_APP_MODEL, MOTE_APP_MODEL_LEN   the model array and its length
//   MOTE_APP_ARENA_BYTES                 NAME_kArenaBytes: the exact arena (32- or 64-bit pointers)
//   MOTE_APP_REGISTER_OPS                NAME_register_ops: registers exactly the model's ops
//   MOTE_APP_NUM_INPUTS, mote_app_inputs[], mote_app_input_bytes[]
//
// The program loads the model, registers its ops, prepares in a static arena of exactly
// MOTE_APP_ARENA_BYTES, copies the inputs, runs one invoke between the two marker instructions
// and prints (one line each, on the board's console):
//
//   mote: arena_bytes <N>                  the arena the interpreter planned and used
//   mote: output <j> <hex>                 output j's bytes, lowercase hex, no spaces
//   mote: ok
//
// then exits with status 0. Any failure prints `mote: error <stage>: <status>: <message>` and exits
// with status 1. Targets may print more lines (the Cortex-M board adds `mote: stack_bytes <N>`).
//
// Build (see targets/build_firmware.sh): C++17, -fno-exceptions -fno-rtti, the mote checkout and
// the export directory on the include path, linked with the runtime and one board implementation.
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "model_input.h"
#include "runtime/interpreter.h"
#include "runtime/model.h"
#include "runtime/op_resolver.h"
#include "targets/common/board.h"

namespace {

alignas(16) uint8_t g_arena[MOTE_APP_ARENA_BYTES];
mote::Model g_model;
mote::OpResolver g_resolver;
mote::Interpreter g_interp;

void write_str(const char* s) { board_write(s, strlen(s)); }

void write_dec(size_t v) {
  char buf[24];
  size_t i = sizeof(buf);
  do {
    buf[--i] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  board_write(buf + i, sizeof(buf) - i);
}

// Lowercase hex, no separators, written in chunks through a small stack buffer.
void write_hex(const uint8_t* p, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  char buf[128];
  size_t k = 0;
  for (size_t i = 0; i < n; ++i) {
    buf[k++] = kDigits[p[i] >> 4];
    buf[k++] = kDigits[p[i] & 15];
    if (k == sizeof(buf)) {
      board_write(buf, k);
      k = 0;
    }
  }
  if (k) board_write(buf, k);
}

[[noreturn]] void fail(const char* stage, mote::Status s, const mote::Error& err) {
  write_str("mote: error ");
  write_str(stage);
  write_str(": ");
  write_str(mote::status_name(s));
  if (err.message[0]) {
    write_str(": ");
    write_str(err.message);
  }
  write_str("\n");
  board_exit(1);
}

// The measured region: one opaque call between the markers. noinline plus the compiler barriers
// keep every instruction of the inference inside, and nothing else.
__attribute__((noinline)) mote::Status run_inference(mote::Error* err) {
  __asm__ volatile("" ::: "memory");
  mote::Status s = g_interp.invoke(err);
  __asm__ volatile("" ::: "memory");
  return s;
}

}  // namespace

int main() {
  board_init();
  mote::Error err;
  mote::Status s = g_model.load(MOTE_APP_MODEL, MOTE_APP_MODEL_LEN, &err);
  if (s != mote::Status::kOk) fail("load", s, err);
  s = MOTE_APP_REGISTER_OPS(&g_resolver);
  if (s != mote::Status::kOk) fail("register_ops", s, err);
  s = g_interp.prepare(g_model, g_resolver, g_arena, sizeof(g_arena), &err);
  if (s != mote::Status::kOk) fail("prepare", s, err);
  if (g_interp.num_inputs() != MOTE_APP_NUM_INPUTS)
    fail("inputs", mote::fail(&err, mote::Status::kInvalidArgument, "model has %d inputs, firmware has %d",
                              g_interp.num_inputs(), MOTE_APP_NUM_INPUTS), err);
  for (int i = 0; i < MOTE_APP_NUM_INPUTS; ++i) {
    mote::TensorRef in = g_interp.input(i);
    if (in.data == nullptr || in.bytes != mote_app_input_bytes[i])
      fail("inputs", mote::fail(&err, mote::Status::kInvalidArgument, "input %d needs %zu bytes, firmware has %zu", i,
                                in.bytes, mote_app_input_bytes[i]), err);
    memcpy(in.data, mote_app_inputs[i], in.bytes);
  }

  board_marker_begin();
  s = run_inference(&err);
  board_marker_end();
  if (s != mote::Status::kOk) fail("invoke", s, err);

  write_str("mote: arena_bytes ");
  write_dec(g_interp.arena_plan().total_bytes);
  write_str("\n");
  for (int j = 0; j < g_interp.num_outputs(); ++j) {
    mote::TensorRef out = g_interp.output(j);
    write_str("mote: output ");
    write_dec(static_cast<size_t>(j));
    write_str(" ");
    write_hex(static_cast<const uint8_t*>(out.data), out.data ? out.bytes : 0);
    write_str("\n");
  }
  write_str("mote: ok\n");
  board_exit(0);
}
