// bench/invoke_loop: loads a model, prepares it in an arena of exactly the planned size, fills the
// inputs with the conformance generator (sample 0) and invokes it N times. Run under
// `valgrind --tool=callgrind` with N = 1 and N = 11: the difference / 10 is the instruction count
// of one invoke, free of loading and preparing (bench/instructions.sh does exactly that).
//
//   invoke_loop MODEL.tflite N [FLOAT_LO FLOAT_HI]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "runtime/interpreter.h"
#include "runtime/model.h"
#include "runtime/op_resolver.h"

namespace {

uint32_t fmix32(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

void fill(const mote::TensorRef& t, int input_index, double lo, double hi) {
  uint32_t x = fmix32(1u + 65536u * static_cast<uint32_t>(input_index));
  const int n = t.shape.elements();
  for (int k = 0; k < n; ++k) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    switch (t.type) {
      case mote::TensorType::kInt8: static_cast<int8_t*>(t.data)[k] = static_cast<int8_t>(x >> 24); break;
      case mote::TensorType::kInt16: static_cast<int16_t*>(t.data)[k] = static_cast<int16_t>(x >> 16); break;
      case mote::TensorType::kFloat32:
        static_cast<float*>(t.data)[k] = static_cast<float>(lo + (hi - lo) * (static_cast<double>(x >> 8) / 16777216.0));
        break;
      default: std::memset(t.data, 0, t.bytes); return;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: invoke_loop MODEL.tflite N [FLOAT_LO FLOAT_HI]\n");
    return 2;
  }
  std::ifstream f(argv[1], std::ios::binary);
  if (!f) {
    std::fprintf(stderr, "invoke_loop: cannot open %s\n", argv[1]);
    return 1;
  }
  std::vector<uint8_t> file((std::istreambuf_iterator<char>(f)), {});
  std::vector<uint64_t> model_mem((file.size() + 7) / 8);
  std::memcpy(model_mem.data(), file.data(), file.size());
  const int n = std::atoi(argv[2]);
  const double lo = argc > 4 ? std::atof(argv[3]) : -1.0, hi = argc > 4 ? std::atof(argv[4]) : 1.0;

  mote::Model model;
  mote::Error err;
  if (model.load(reinterpret_cast<const uint8_t*>(model_mem.data()), file.size(), &err) != mote::Status::kOk) {
    std::fprintf(stderr, "invoke_loop: %s\n", err.message);
    return 1;
  }
  mote::OpResolver resolver;
  mote::register_all_ops(&resolver);
  std::vector<uint64_t> work((mote::Interpreter::workspace_bytes(model) + 7) / 8);
  mote::ArenaPlan plan;
  if (mote::Interpreter::plan(model, resolver, work.data(), work.size() * 8, &plan, &err) != mote::Status::kOk) {
    std::fprintf(stderr, "invoke_loop: %s\n", err.message);
    return 1;
  }
  std::vector<uint64_t> arena((plan.total_bytes + 7) / 8);
  mote::Interpreter interp;
  if (interp.prepare(model, resolver, arena.data(), plan.total_bytes, &err) != mote::Status::kOk) {
    std::fprintf(stderr, "invoke_loop: %s\n", err.message);
    return 1;
  }
  for (int i = 0; i < interp.num_inputs(); ++i) fill(interp.input(i), i, lo, hi);
  for (int it = 0; it < n; ++it) {
    if (interp.invoke(&err) != mote::Status::kOk) {
      std::fprintf(stderr, "invoke_loop: %s\n", err.message);
      return 1;
    }
  }
  mote::TensorRef out = interp.output(0);
  unsigned sum = 0;
  for (size_t b = 0; b < out.bytes; ++b) sum = sum * 31u + static_cast<const uint8_t*>(out.data)[b];
  std::printf("arena %zu bytes, %d invokes, output checksum %08x\n", plan.total_bytes, n, sum);
  return 0;
}
