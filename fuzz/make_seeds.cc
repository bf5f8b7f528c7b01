// Writes small valid single-op models (one or more per op mote runs) into a directory, as seeds
// for the model fuzzer: `make_seeds <dir>`. Each model is checked through load → plan → prepare →
// invoke; the tool prints one line per model and exits non-zero only if it cannot write files.
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "runtime/interpreter.h"
#include "runtime/model.h"
#include "runtime/op_resolver.h"
#include "tests/support/model_builder.h"

using namespace mote;
using mote::testing::ModelBuilder;
using mote::testing::Options;
using mote::testing::Quant;

namespace {

struct Seed {
  std::string name;
  std::vector<uint8_t> bytes;
};

std::vector<int8_t> ramp8(size_t n) {
  std::vector<int8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<int8_t>(static_cast<int>(i * 37 % 255) - 127);
  return v;
}
std::vector<int32_t> ramp32(size_t n) {
  std::vector<int32_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<int32_t>(i * 101) - 200;
  return v;
}
std::vector<float> rampf(size_t n) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<float>(i % 7) * 0.25f - 0.75f;
  return v;
}

Seed unary(const char* name, BuiltinOp op, TensorType t, Quant qi, Quant qo, Options opt = {}) {
  ModelBuilder b;
  int in = b.add_tensor(t, {1, 16}, qi);
  int out = b.add_tensor(t, {1, 16}, qo);
  b.add_op(op, {in}, {out}, opt);
  b.set_inputs({in});
  b.set_outputs({out});
  return {name, b.finish()};
}

Seed binary(const char* name, BuiltinOp op, TensorType t, Quant q, Options opt, bool broadcast) {
  ModelBuilder b;
  int x = b.add_tensor(t, {1, 4, 4, 3}, q);
  int y = b.add_tensor(t, broadcast ? std::vector<int32_t>{1, 1, 1, 3} : std::vector<int32_t>{1, 4, 4, 3}, q);
  int out = b.add_tensor(t, {1, 4, 4, 3}, q);
  b.add_op(op, {x, y}, {out}, opt);
  b.set_inputs({x, y});
  b.set_outputs({out});
  return {name, b.finish()};
}

Seed conv(bool is_float) {
  ModelBuilder b;
  TensorType t = is_float ? TensorType::kFloat32 : TensorType::kInt8;
  Quant qa = is_float ? Quant() : Quant(0.05f, -3);
  int in = b.add_tensor(t, {1, 5, 5, 2}, qa);
  int w = is_float ? b.add_const_f32({3, 3, 3, 2}, rampf(54))
                   : b.add_const_i8({3, 3, 3, 2}, ramp8(54), Quant::per_channel({0.01f, 0.02f, 0.03f}, 0));
  int bias = is_float ? b.add_const_f32({3}, {0.5f, -0.5f, 0.0f})
                      : b.add_const_i32({3}, ramp32(3), Quant::per_channel({0.0005f, 0.001f, 0.0015f}, 0));
  int out = b.add_tensor(t, {1, 5, 5, 3}, is_float ? Quant() : Quant(0.1f, 2));
  b.add_op(BuiltinOp::CONV_2D, {in, w, bias}, {out}, Options::conv2d(Padding::kSame, 1, 1, Activation::kRelu));
  b.set_inputs({in});
  b.set_outputs({out});
  return {is_float ? "conv_f32" : "conv_s8", b.finish()};
}

Seed depthwise() {
  ModelBuilder b;
  int in = b.add_tensor(TensorType::kInt8, {1, 5, 5, 2}, Quant(0.05f, 1));
  int w = b.add_const_i8({1, 3, 3, 4}, ramp8(36), Quant::per_channel({0.01f, 0.02f, 0.03f, 0.04f}, 3));
  int bias = b.add_const_i32({4}, ramp32(4), Quant::per_channel({0.0005f, 0.001f, 0.0015f, 0.002f}, 0));
  int out = b.add_tensor(TensorType::kInt8, {1, 3, 3, 4}, Quant(0.1f, 0));
  b.add_op(BuiltinOp::DEPTHWISE_CONV_2D, {in, w, bias}, {out}, Options::depthwise_conv2d(Padding::kValid, 1, 1, 2));
  b.set_inputs({in});
  b.set_outputs({out});
  return {"depthwise_s8", b.finish()};
}

Seed fully_connected(TensorType t) {
  ModelBuilder b;
  const bool f = t == TensorType::kFloat32;
  int in = b.add_tensor(t, {2, 8}, f ? Quant() : Quant(0.1f, 1));
  int w = f ? b.add_const_f32({4, 8}, rampf(32)) : b.add_const_i8({4, 8}, ramp8(32), Quant(0.02f, 0));
  int bias = f ? b.add_const_f32({4}, rampf(4)) : b.add_const_i32({4}, ramp32(4), Quant(0.002f, 0));
  int out = b.add_tensor(t, {2, 4}, f ? Quant() : Quant(0.2f, -5));
  b.add_op(BuiltinOp::FULLY_CONNECTED, {in, w, bias}, {out}, Options::fully_connected(Activation::kRelu6));
  b.set_inputs({in});
  b.set_outputs({out});
  return {f ? "fc_f32" : "fc_s8", b.finish()};
}

Seed pool(BuiltinOp op, const char* name) {
  ModelBuilder b;
  int in = b.add_tensor(TensorType::kInt8, {1, 4, 4, 2}, Quant(0.1f, 0));
  int out = b.add_tensor(TensorType::kInt8, {1, 2, 2, 2}, Quant(0.1f, 0));
  b.add_op(op, {in}, {out}, Options::pool2d(Padding::kValid, 2, 2, 2, 2));
  b.set_inputs({in});
  b.set_outputs({out});
  return {name, b.finish()};
}

Seed mean() {
  ModelBuilder b;
  int in = b.add_tensor(TensorType::kInt8, {1, 4, 4, 2}, Quant(0.1f, 3));
  int axes = b.add_const_i32({2}, {1, 2});
  int out = b.add_tensor(TensorType::kInt8, {1, 1, 1, 2}, Quant(0.05f, -1));
  b.add_op(BuiltinOp::MEAN, {in, axes}, {out}, Options::reducer(true));
  b.set_inputs({in});
  b.set_outputs({out});
  return {"mean_s8", b.finish()};
}

Seed pad() {
  ModelBuilder b;
  int in = b.add_tensor(TensorType::kInt8, {1, 3, 3, 2}, Quant(0.1f, 4));
  int pads = b.add_const_i32({4, 2}, {0, 0, 1, 1, 1, 1, 0, 0});
  int out = b.add_tensor(TensorType::kInt8, {1, 5, 5, 2}, Quant(0.1f, 4));
  b.add_op(BuiltinOp::PAD, {in, pads}, {out}, Options().type(22));
  b.set_inputs({in});
  b.set_outputs({out});
  return {"pad_s8", b.finish()};
}

Seed strided_slice() {
  ModelBuilder b;
  int in = b.add_tensor(TensorType::kInt8, {1, 4, 4, 2}, Quant(0.1f, 0));
  int begin = b.add_const_i32({4}, {0, 1, 0, 0});
  int end = b.add_const_i32({4}, {1, 4, 4, 2});
  int strides = b.add_const_i32({4}, {1, 2, 1, 1});
  int out = b.add_tensor(TensorType::kInt8, {1, 2, 4, 2}, Quant(0.1f, 0));
  b.add_op(BuiltinOp::STRIDED_SLICE, {in, begin, end, strides}, {out}, Options::strided_slice(0, 0));
  b.set_inputs({in});
  b.set_outputs({out});
  return {"strided_slice_s8", b.finish()};
}

Seed concatenation() {
  ModelBuilder b;
  int x = b.add_tensor(TensorType::kInt8, {1, 2, 3}, Quant(0.1f, 0));
  int y = b.add_tensor(TensorType::kInt8, {1, 2, 3}, Quant(0.1f, 0));
  int out = b.add_tensor(TensorType::kInt8, {1, 2, 6}, Quant(0.1f, 0));
  b.add_op(BuiltinOp::CONCATENATION, {x, y}, {out}, Options::concatenation(2));
  b.set_inputs({x, y});
  b.set_outputs({out});
  return {"concatenation_s8", b.finish()};
}

Seed reshape() {
  ModelBuilder b;
  int in = b.add_tensor(TensorType::kInt8, {1, 2, 8}, Quant(0.1f, 0));
  int shape = b.add_const_i32({2}, {1, 16});
  int out = b.add_tensor(TensorType::kInt8, {1, 16}, Quant(0.1f, 0));
  int out2 = b.add_tensor(TensorType::kInt8, {1, 16}, Quant(0.1f, 0));
  b.add_op(BuiltinOp::RESHAPE, {in, shape}, {out}, Options::reshape({1, 16}));
  b.add_op(BuiltinOp::RELU, {out}, {out2});
  b.set_inputs({in});
  b.set_outputs({out2});
  return {"reshape_relu_s8", b.finish()};
}

Seed transpose_conv() {
  ModelBuilder b;
  int shape = b.add_const_i32({4}, {1, 6, 6, 2});
  int w = b.add_const_i8({2, 3, 3, 2}, ramp8(36), Quant::per_channel({0.01f, 0.02f}, 0));
  int in = b.add_tensor(TensorType::kInt8, {1, 3, 3, 2}, Quant(0.05f, 0));
  int out = b.add_tensor(TensorType::kInt8, {1, 6, 6, 2}, Quant(0.1f, 0));
  b.add_op(BuiltinOp::TRANSPOSE_CONV, {shape, w, in, -1}, {out}, Options::transpose_conv(Padding::kSame, 2, 2));
  b.set_inputs({in});
  b.set_outputs({out});
  return {"transpose_conv_s8", b.finish()};
}

Seed quantize_chain() {
  // float -> QUANTIZE -> int8 -> DEQUANTIZE -> float, a two-op model.
  ModelBuilder b;
  int in = b.add_tensor(TensorType::kFloat32, {1, 8});
  int q = b.add_tensor(TensorType::kInt8, {1, 8}, Quant(0.05f, -2));
  int out = b.add_tensor(TensorType::kFloat32, {1, 8});
  b.add_op(BuiltinOp::QUANTIZE, {in}, {q});
  b.add_op(BuiltinOp::DEQUANTIZE, {q}, {out});
  b.set_inputs({in});
  b.set_outputs({out});
  return {"quantize_dequantize", b.finish()};
}

std::vector<Seed> seeds() {
  std::vector<Seed> s;
  const Quant q8(0.1f, 0), q16(1.0f / 2048, 0);
  s.push_back(binary("add_s8", BuiltinOp::ADD, TensorType::kInt8, q8, Options::add(), false));
  s.push_back(binary("add_s8_broadcast", BuiltinOp::ADD, TensorType::kInt8, q8, Options::add(Activation::kRelu), true));
  s.push_back(binary("add_s16", BuiltinOp::ADD, TensorType::kInt16, q16, Options::add(), false));
  s.push_back(binary("add_f32", BuiltinOp::ADD, TensorType::kFloat32, Quant(), Options::add(), true));
  s.push_back(binary("sub_s8", BuiltinOp::SUB, TensorType::kInt8, q8, Options::sub(), true));
  s.push_back(binary("sub_s16", BuiltinOp::SUB, TensorType::kInt16, q16, Options::sub(), false));
  s.push_back(binary("mul_s8", BuiltinOp::MUL, TensorType::kInt8, q8, Options::mul(), true));
  s.push_back(binary("mul_f32", BuiltinOp::MUL, TensorType::kFloat32, Quant(), Options::mul(), false));
  s.push_back(unary("relu_s8", BuiltinOp::RELU, TensorType::kInt8, q8, q8));
  s.push_back(unary("relu6_s8", BuiltinOp::RELU6, TensorType::kInt8, q8, q8));
  s.push_back(unary("logistic_s8", BuiltinOp::LOGISTIC, TensorType::kInt8, q8, Quant(1.0f / 256, -128)));
  s.push_back(unary("tanh_s8", BuiltinOp::TANH, TensorType::kInt8, q8, Quant(1.0f / 128, 0)));
  s.push_back(unary("softmax_s8", BuiltinOp::SOFTMAX, TensorType::kInt8, q8, Quant(1.0f / 256, -128), Options::softmax(1.0f)));
  s.push_back(unary("softmax_f32", BuiltinOp::SOFTMAX, TensorType::kFloat32, Quant(), Quant(), Options::softmax(1.0f)));
  s.push_back(unary("leaky_relu_s8", BuiltinOp::LEAKY_RELU, TensorType::kInt8, q8, q8, Options::leaky_relu(0.2f)));
  s.push_back(unary("leaky_relu_s16", BuiltinOp::LEAKY_RELU, TensorType::kInt16, q16, q16, Options::leaky_relu(0.2f)));
  s.push_back(unary("logistic_f32", BuiltinOp::LOGISTIC, TensorType::kFloat32, Quant(), Quant()));
  s.push_back(conv(false));
  s.push_back(conv(true));
  s.push_back(depthwise());
  s.push_back(fully_connected(TensorType::kInt8));
  s.push_back(fully_connected(TensorType::kFloat32));
  s.push_back(pool(BuiltinOp::AVERAGE_POOL_2D, "average_pool_s8"));
  s.push_back(pool(BuiltinOp::MAX_POOL_2D, "max_pool_s8"));
  s.push_back(mean());
  s.push_back(pad());
  s.push_back(strided_slice());
  s.push_back(concatenation());
  s.push_back(reshape());
  s.push_back(transpose_conv());
  s.push_back(quantize_chain());
  return s;
}

// "ok", or the stage and message that refused the model.
std::string check(const std::vector<uint8_t>& bytes) {
  testing::AlignedModel m(bytes);
  Model model;
  Error err;
  if (model.load(m.data(), m.size(), &err) != Status::kOk) return std::string("load: ") + err.message;
  OpResolver r;
  register_all_ops(&r);
  std::vector<uint64_t> work(Interpreter::workspace_bytes(model) / 8 + 1);
  ArenaPlan plan;
  if (Interpreter::plan(model, r, work.data(), work.size() * 8, &plan, &err) != Status::kOk)
    return std::string("plan: ") + err.message;
  std::unique_ptr<uint64_t[]> arena(new uint64_t[plan.total_bytes / 8 + 1]());
  Interpreter interp;
  if (interp.prepare(model, r, arena.get(), plan.total_bytes, &err) != Status::kOk) return std::string("prepare: ") + err.message;
  if (interp.invoke(&err) != Status::kOk) return std::string("invoke: ") + err.message;
  return "ok";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <output dir>\n", argv[0]);
    return 2;
  }
  int ok = 0, total = 0;
  for (const Seed& s : seeds()) {
    std::string path = std::string(argv[1]) + "/builder_" + s.name + ".tflite";
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f || std::fwrite(s.bytes.data(), 1, s.bytes.size(), f) != s.bytes.size()) {
      std::fprintf(stderr, "cannot write %s\n", path.c_str());
      return 1;
    }
    std::fclose(f);
    std::string result = check(s.bytes);
    ++total;
    if (result == "ok") ++ok;
    std::printf("%-28s %5zu bytes  %s\n", s.name.c_str(), s.bytes.size(), result.c_str());
  }
  std::printf("%d of %d seed models run\n", ok, total);
  return 0;
}
