// libFuzzer target: arbitrary bytes as a .tflite model through the whole runtime.
//
//   load (verify) → plan (workspace capped) → prepare (arena of exactly the planned size, capped
//   at 1 MiB; bigger plans stop here) → set inputs → invoke → read outputs.
//
// The input is copied into a fresh 16-byte-aligned heap block of exactly its size, so
// AddressSanitizer catches any read past the model's end; the arena is also exactly the planned
// size, so any write past the plan is caught too. Every Status is acceptable; only crashes,
// sanitizer reports, hangs and leaks are findings.
//
// Build: cmake --preset fuzz && cmake --build build/fuzz --target model_fuzzer
// Run:   fuzz/run_fuzz.sh build/fuzz 600          (seeds from ../shared and the builder)
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <new>

#include "runtime/interpreter.h"
#include "runtime/model.h"
#include "runtime/op_resolver.h"

namespace {

constexpr size_t kMaxArena = size_t{1} << 20;
constexpr size_t kMaxWorkspace = size_t{4} << 20;

const mote::OpResolver& resolver() {
  static mote::OpResolver r = [] {
    mote::OpResolver x;
    mote::register_all_ops(&x);
    return x;
  }();
  return r;
}

struct Block {
  uint8_t* p;
  explicit Block(size_t n) : p(static_cast<uint8_t*>(::operator new(n ? n : 1, std::align_val_t{16}))) {}
  ~Block() { ::operator delete(p, std::align_val_t{16}); }
  Block(const Block&) = delete;
  Block& operator=(const Block&) = delete;
};

// Deterministic input bytes: a mix of extremes and small values.
void fill_inputs(const mote::Interpreter& interp, uint32_t seed) {
  for (int i = 0; i < interp.num_inputs(); ++i) {
    mote::TensorRef r = interp.input(i);
    if (r.data == nullptr) continue;
    uint8_t* p = static_cast<uint8_t*>(r.data);
    uint32_t x = seed * 2654435761u + static_cast<uint32_t>(i) + 1u;
    const bool is_float = r.type == mote::TensorType::kFloat32;
    for (size_t k = 0; k < r.bytes; ++k) {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      p[k] = static_cast<uint8_t>(x >> 24);
    }
    if (is_float) {  // keep floats finite and moderate most of the time
      float* f = static_cast<float*>(r.data);
      for (size_t k = 0; k < r.bytes / 4; ++k) f[k] = static_cast<float>(static_cast<int8_t>(p[4 * k])) * 0.125f;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Block model_bytes(size);
  if (size) memcpy(model_bytes.p, data, size);

  mote::Model model;
  mote::Error err;
  if (model.load(model_bytes.p, size, &err) != mote::Status::kOk) return 0;

  // Touch every accessor a tool would use on a verified model.
  for (int32_t t = 0; t < model.num_tensors(); ++t) (void)model.tensor(t);
  for (int o = 0; o < model.num_ops(); ++o) (void)model.op(o).name();

  const size_t work_bytes = mote::Interpreter::workspace_bytes(model);
  if (work_bytes > kMaxWorkspace) return 0;
  Block work(work_bytes);
  mote::ArenaPlan plan;
  if (mote::Interpreter::plan(model, resolver(), work.p, work_bytes, &plan, &err) != mote::Status::kOk) return 0;
  if (plan.total_bytes > kMaxArena) return 0;

  Block arena(plan.total_bytes);
  memset(arena.p, 0xA5, plan.total_bytes);
  mote::Interpreter interp;
  if (interp.prepare(model, resolver(), arena.p, plan.total_bytes, &err) != mote::Status::kOk) return 0;

  fill_inputs(interp, static_cast<uint32_t>(size));
  (void)interp.invoke(&err);
  for (int i = 0; i < interp.num_outputs(); ++i) {
    mote::TensorRef r = interp.output(i);
    (void)interp.argmax_output(i);
    if (r.data != nullptr && r.bytes <= 4096 && r.shape.elements() <= 1024) {
      float out[1024];
      (void)interp.get_output_float(i, out, static_cast<size_t>(r.shape.elements()), &err);
    }
  }
  return 0;
}
