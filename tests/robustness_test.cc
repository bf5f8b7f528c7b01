// Hostile models: the runtime must refuse every broken file with a precise Status and message, and
// nothing — truncation, flipped bytes, lying sizes, bad indices, impossible data flow — may make it
// read or write out of bounds (CI runs this binary under AddressSanitizer + UBSan).
//
// Each targeted case builds a small model with the test ModelBuilder, breaks exactly one rule, and
// asserts the Status code and the key part of the message.
#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "runtime/interpreter.h"
#include "runtime/model.h"
#include "runtime/op_resolver.h"
#include "tests/support/model_builder.h"
#include "tests/support/test_support.h"

namespace mote {
namespace {

using testing::AlignedModel;
using testing::ModelBuilder;
using testing::Options;
using testing::Quant;

const OpResolver& all_ops() {
  static OpResolver r = [] {
    OpResolver x;
    register_all_ops(&x);
    return x;
  }();
  return r;
}

// Heap block of exactly `n` bytes (so ASan sees any read past the end), 16-byte aligned.
struct ExactBytes {
  std::unique_ptr<uint8_t[]> p;
  size_t n;
  ExactBytes(const uint8_t* src, size_t size) : p(new uint8_t[size ? size : 1]), n(size) {
    if (size) std::memcpy(p.get(), src, size);
  }
};

struct Outcome {
  Status load = Status::kOk, plan = Status::kOk, prepare = Status::kOk, invoke = Status::kOk;
  int stage = 0;  // 0 load failed, 1 plan failed / skipped, 2 prepare failed, 3 invoke ran
  std::string message;
};

// load → plan → prepare (arena of exactly the planned size, up to `cap`) → invoke.
Outcome exercise(const uint8_t* data, size_t size, size_t cap = size_t{1} << 20) {
  Outcome o;
  Model model;
  Error err;
  o.load = model.load(data, size, &err);
  o.message = err.message;
  if (o.load != Status::kOk) return o;
  o.stage = 1;
  std::vector<uint64_t> work(Interpreter::workspace_bytes(model) / 8 + 1);
  ArenaPlan plan;
  o.plan = Interpreter::plan(model, all_ops(), work.data(), work.size() * 8, &plan, &err);
  o.message = err.message;
  if (o.plan != Status::kOk || plan.total_bytes > cap) return o;
  o.stage = 2;
  std::unique_ptr<uint64_t[]> arena(new uint64_t[plan.total_bytes / 8 + 1]);
  std::memset(arena.get(), 0x5A, plan.total_bytes);
  Interpreter interp;
  o.prepare = interp.prepare(model, all_ops(), arena.get(), plan.total_bytes, &err);
  o.message = err.message;
  if (o.prepare != Status::kOk) return o;
  o.stage = 3;
  o.invoke = interp.invoke(&err);
  return o;
}

Outcome exercise(const std::vector<uint8_t>& bytes) {
  ExactBytes e(bytes.data(), bytes.size());
  return exercise(e.p.get(), e.n);
}

Status load(const std::vector<uint8_t>& bytes, std::string* msg, Model* model = nullptr) {
  static Model scratch_model;
  static AlignedModel* keep = nullptr;  // the last model's bytes must outlive `model`
  delete keep;
  keep = new AlignedModel(bytes);
  Error err;
  Status s = (model ? model : &scratch_model)->load(keep->data(), keep->size(), &err);
  *msg = err.message;
  return s;
}

// Loads, then plans with every op registered.
Status plan(const std::vector<uint8_t>& bytes, std::string* msg, ArenaPlan* out = nullptr) {
  Model model;
  Status s = load(bytes, msg, &model);
  if (s != Status::kOk) return s;
  std::vector<uint64_t> work(Interpreter::workspace_bytes(model) / 8 + 1);
  ArenaPlan p;
  Error err;
  s = Interpreter::plan(model, all_ops(), work.data(), work.size() * 8, &p, &err);
  *msg = err.message;
  if (out) *out = p;
  return s;
}

#define EXPECT_MSG_HAS(msg, part) EXPECT_NE((msg).find(part), std::string::npos) << "message: " << (msg)

// in(int8 [1,4]) + in -> out(int8 [1,4]): a valid model that runs.
ModelBuilder add_model() {
  ModelBuilder b;
  int in = b.add_tensor(TensorType::kInt8, {1, 4}, Quant(0.5f, 0), "in");
  int out = b.add_tensor(TensorType::kInt8, {1, 4}, Quant(1.0f, 0), "out");
  b.add_op(BuiltinOp::ADD, {in, in}, {out}, Options::add());
  b.set_inputs({in});
  b.set_outputs({out});
  return b;
}

std::vector<uint8_t> hello_world_or_builder() {
  std::string shared = testing::shared_dir();
  if (!shared.empty()) return testing::read_file(shared + "/conformance/core/hello_world_int8/model.tflite");
  return add_model().finish();
}

TEST(Robustness, ValidBuilderModelRuns) {
  ModelBuilder b = add_model();
  std::vector<uint8_t> bytes = b.finish();
  Outcome o = exercise(bytes);
  ASSERT_EQ(o.stage, 3) << o.message;
  EXPECT_EQ(o.invoke, Status::kOk);
}

// --- whole-file damage ----------------------------------------------------------------------------

void check_every_truncation(const std::vector<uint8_t>& bytes) {
  int loaded = 0;
  for (size_t len = 0; len < bytes.size(); ++len) {
    Outcome o = exercise(std::vector<uint8_t>(bytes.begin(), bytes.begin() + static_cast<long>(len)));
    if (o.load == Status::kOk) {
      ++loaded;
      continue;
    }
    ASSERT_TRUE(o.load == Status::kMalformedModel || o.load == Status::kUnsupported) << "length " << len << ": " << o.message;
    ASSERT_FALSE(o.message.empty()) << "length " << len;
  }
  // Only a cut inside trailing padding can still load.
  EXPECT_LT(loaded, 16);
}

TEST(Robustness, EveryTruncationOfARealModelFailsCleanly) {
  if (testing::shared_dir().empty()) GTEST_SKIP() << "../shared/conformance is absent; builder-model variant runs below";
  check_every_truncation(hello_world_or_builder());
}

TEST(Robustness, EveryTruncationOfABuilderModelFailsCleanly) {
  ModelBuilder b = add_model();
  check_every_truncation(b.finish());
}

TEST(Robustness, ShortFilesAreMalformed) {
  std::string msg;
  EXPECT_EQ(load({}, &msg), Status::kMalformedModel);
  EXPECT_EQ(load({1, 2, 3, 4, 5, 6, 7}, &msg), Status::kMalformedModel);
  EXPECT_MSG_HAS(msg, "model is 7 bytes");
  Model m;
  Error err;
  EXPECT_EQ(m.load(nullptr, 100, &err), Status::kInvalidArgument);
  EXPECT_MSG_HAS(std::string(err.message), "null");
}

TEST(Robustness, ByteFlipsAnywhereNeverCrash) {
  const std::vector<uint8_t> bytes = hello_world_or_builder();
  const uint8_t patterns[] = {0xFF, 0x80, 0x01};
  int refused = 0, ran = 0;
  for (size_t pos = 0; pos < bytes.size(); ++pos) {
    for (uint8_t x : patterns) {
      std::vector<uint8_t> m = bytes;
      m[pos] ^= x;
      Outcome o = exercise(m);
      if (o.load != Status::kOk) {
        ++refused;
        ASSERT_FALSE(o.message.empty()) << "pos " << pos;
      }
      if (o.stage == 3) ++ran;
    }
  }
  // Corruption in headers must be caught; flips in weights and padding must still run.
  EXPECT_GT(refused, 50);
  EXPECT_GT(ran, 1000);
}

TEST(Robustness, SetBytesToExtremeValuesNeverCrash) {
  const std::vector<uint8_t> bytes = hello_world_or_builder();
  const uint32_t values[] = {0, 0x7FFFFFFF, 0x80000000u, 0xFFFFFFFFu, 0x10000};
  for (size_t pos = 0; pos + 4 <= bytes.size(); pos += 4) {
    for (uint32_t v : values) {
      std::vector<uint8_t> m = bytes;
      testing::poke_u32(&m, pos, v);
      (void)exercise(m);
    }
  }
}

TEST(Robustness, MisalignedModelBufferIsRefused) {
  ModelBuilder b = add_model();
  std::vector<uint8_t> bytes = b.finish();
  for (size_t mis : {1, 2, 3}) {
    AlignedModel m(bytes, mis);
    Model model;
    Error err;
    EXPECT_EQ(model.load(m.data(), m.size(), &err), Status::kInvalidArgument) << mis;
    EXPECT_MSG_HAS(std::string(err.message), "not 4-byte aligned");
    EXPECT_FALSE(model.loaded());
  }
  AlignedModel ok(bytes, 8);  // 8-byte aligned is fine for this model (no 16-byte constants)
  Model model;
  Error err;
  EXPECT_EQ(model.load(ok.data(), ok.size(), &err), Status::kOk) << err.message;
}

// --- schema-level rules (builder) ---------------------------------------------------------------

TEST(Robustness, WrongSchemaVersion) {
  for (uint32_t v : {0u, 2u, 4u, 0xFFFFFFFFu}) {
    ModelBuilder b = add_model();
    b.set_version(v);
    std::string msg;
    EXPECT_EQ(load(b.finish(), &msg), Status::kUnsupported) << v;
    EXPECT_MSG_HAS(msg, "schema version " + std::to_string(v));
  }
}

TEST(Robustness, UnknownOpCode) {
  ModelBuilder b;
  int in = b.add_tensor(TensorType::kInt8, {4});
  int out = b.add_tensor(TensorType::kInt8, {4});
  b.add_op_code(999, {in}, {out});
  b.set_inputs({in});
  b.set_outputs({out});
  std::string msg;
  EXPECT_EQ(load(b.finish(), &msg), Status::kUnsupported);
  EXPECT_MSG_HAS(msg, "unknown builtin op code 999");

  ModelBuilder n;
  in = n.add_tensor(TensorType::kInt8, {4});
  out = n.add_tensor(TensorType::kInt8, {4});
  n.add_op_code(-5, {in}, {out});
  n.set_inputs({in});
  n.set_outputs({out});
  EXPECT_EQ(load(n.finish(), &msg), Status::kUnsupported);
  EXPECT_MSG_HAS(msg, "unknown builtin op code");
}

TEST(Robustness, KnownButUnsupportedOpFailsAtPlan) {
  ModelBuilder b;
  int in = b.add_tensor(TensorType::kFloat32, {4});
  int out = b.add_tensor(TensorType::kFloat32, {4});
  b.add_op_code(47, {in}, {out});  // EXP: in the schema, not in mote
  b.set_inputs({in});
  b.set_outputs({out});
  std::string msg;
  EXPECT_EQ(plan(b.finish(), &msg), Status::kUnsupported);
  EXPECT_MSG_HAS(msg, "op 0 (EXP): operator not supported by mote");
}

TEST(Robustness, SupportedButUnregisteredOpFailsAtPrepare) {
  ModelBuilder b = add_model();
  std::vector<uint8_t> bytes = b.finish();
  AlignedModel m(bytes);
  Model model;
  Error err;
  ASSERT_EQ(model.load(m.data(), m.size(), &err), Status::kOk) << err.message;
  OpResolver only_conv;
  ASSERT_EQ(only_conv.add(op_conv_2d()), Status::kOk);
  alignas(16) static uint8_t arena[4096];
  Interpreter interp;
  EXPECT_EQ(interp.prepare(model, only_conv, arena, sizeof(arena), &err), Status::kUnsupported);
  EXPECT_MSG_HAS(std::string(err.message), "op 0 (ADD): operator not registered");
  EXPECT_FALSE(interp.prepared());
}

TEST(Robustness, ShapeWhoseByteSizeOverflows) {
  ModelBuilder b;
  int in = b.add_tensor(TensorType::kInt8, {65536, 65536, 4});
  b.set_inputs({in});
  b.set_outputs({in});
  std::string msg;
  EXPECT_EQ(load(b.finish(), &msg), Status::kMalformedModel);
  EXPECT_MSG_HAS(msg, "tensor 0: shape byte size overflows");

  // Element count fits in 31 bits, bytes do not (4-byte elements).
  ModelBuilder f;
  f.add_tensor(TensorType::kInt8, {2});
  in = f.add_tensor(TensorType::kFloat32, {1 << 15, 1 << 14});
  f.set_inputs({in});
  f.set_outputs({in});
  EXPECT_EQ(load(f.finish(), &msg), Status::kMalformedModel);
  EXPECT_MSG_HAS(msg, "tensor 1: shape byte size overflows (dimension 1 = 16384");

  // Huge product of many small dims: each step is checked, so no 64-bit wrap either.
  ModelBuilder w;
  in = w.add_tensor(TensorType::kInt64, {65535, 65535, 65535, 65535, 65535, 65535});
  w.set_inputs({in});
  w.set_outputs({in});
  EXPECT_EQ(load(w.finish(), &msg), Status::kMalformedModel);
  EXPECT_MSG_HAS(msg, "overflows");
}

TEST(Robustness, NegativeDims) {
  ModelBuilder b;
  int in = b.add_tensor(TensorType::kInt8, {1, -3, 4});
  b.set_inputs({in});
  b.set_outputs({in});
  std::string msg;
  EXPECT_EQ(load(b.finish(), &msg), Status::kUnsupported);
  EXPECT_MSG_HAS(msg, "tensor 0: dimension 1 is -3");
}

TEST(Robustness, RankAboveSix) {
  ModelBuilder b;
  int in = b.add_tensor(TensorType::kInt8, {1, 1, 1, 1, 1, 1, 2});
  b.set_inputs({in});
  b.set_outputs({in});
  std::string msg;
  EXPECT_EQ(load(b.finish(), &msg), Status::kUnsupported);
  EXPECT_MSG_HAS(msg, "rank 7 exceeds the maximum of 6");
}

TEST(Robustness, UnknownTensorType) {
  ModelBuilder b = add_model();
  b.tensor(1).raw_type = 200;
  std::string msg;
  EXPECT_EQ(load(b.finish(), &msg), Status::kMalformedModel);
  EXPECT_MSG_HAS(msg, "tensor 1: unknown type code 200");
}

TEST(Robustness, BufferSizeNotMatchingShape) {
  ModelBuilder b;
  b.add_tensor(TensorType::kInt8, {4});
  b.add_const_raw(TensorType::kInt16, {2, 3}, std::vector<uint8_t>(11, 1));
  std::string msg;
  EXPECT_EQ(load(b.finish(), &msg), Status::kMalformedModel);
  EXPECT_MSG_HAS(msg, "tensor 1: buffer 1 holds 11 bytes but shape x INT16 needs 12");

  ModelBuilder big;
  big.add_const_raw(TensorType::kInt32, {2}, std::vector<uint8_t>(12, 1));
  EXPECT_EQ(load(big.finish(), &msg), Status::kMalformedModel);
  EXPECT_MSG_HAS(msg, "holds 12 bytes but shape x INT32 needs 8");
}

TEST(Robustness, BufferIndexOutOfRange) {
  ModelBuilder b = add_model();
  b.tensor(0).buffer = 9;
  std::string msg;
  EXPECT_EQ(load(b.finish(), &msg), Status::kMalformedModel);
  EXPECT_MSG_HAS(msg, "tensor 0: buffer index 9 out of range [0, 1)");
}

TEST(Robustness, PerChannelScaleCountNotChannelCount) {
  ModelBuilder b;
  b.add_const_i8({4, 2}, std::vector<int8_t>(8, 1), Quant::per_channel({0.1f, 0.2f, 0.3f}, 0));
  std::string msg;
  EXPECT_EQ(load(b.finish(), &msg), Status::kMalformedModel);
  EXPECT_MSG_HAS(msg, "tensor 0: 3 per-channel scales but dimension 0 has 4 channels");

  ModelBuilder d;
  d.add_const_i8({4, 2}, std::vector<int8_t>(8, 1), Quant::per_channel({0.1f, 0.2f}, 5));
  EXPECT_EQ(load(d.finish(), &msg), Status::kMalformedModel);
  EXPECT_MSG_HAS(msg, "quantized_dimension 5 outside rank 2");

  ModelBuilder z;
  Quant q = Quant::per_channel({0.1f, 0.2f, 0.3f, 0.4f}, 0);
  q.zero_points = {0, 0};
  z.add_const_i8({4, 2}, std::vector<int8_t>(8, 1), q);
  EXPECT_EQ(load(z.finish(), &msg), Status::kMalformedModel);
  EXPECT_MSG_HAS(msg, "2 zero points for 4 scales");
}

TEST(Robustness, BadScales) {
  const float bad[] = {-1.0f, std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()};
  for (float s : bad) {
    ModelBuilder b = add_model();
    b.tensor(0).quant = Quant(s, 0);
    std::string msg;
    EXPECT_EQ(load(b.finish(), &msg), Status::kMalformedModel) << s;
    EXPECT_MSG_HAS(msg, "tensor 0: scale[0]");
    EXPECT_MSG_HAS(msg, "must be finite and >= 0");
  }
}

TEST(Robustness, TensorIndexOutOfRangeInAnOp) {
  ModelBuilder b = add_model();
  b.add_op(BuiltinOp::ADD, {0, 7}, {1}, Options::add());
  std::string msg;
  EXPECT_EQ(load(b.finish(), &msg), Status::kMalformedModel);
  EXPECT_MSG_HAS(msg, "op 1 input 1: tensor index 7 out of range [0, 2)");

  ModelBuilder o = add_model();
  o.add_op(BuiltinOp::ADD, {0, 0}, {-1}, Options::add());
  EXPECT_EQ(load(o.finish(), &msg), Status::kMalformedModel);
  EXPECT_MSG_HAS(msg, "op 1 output 0: tensor index -1 out of range [0, 2)");

  ModelBuilder n = add_model();
  n.add_op(BuiltinOp::ADD, {0, -2}, {1}, Options::add());
  EXPECT_EQ(load(n.finish(), &msg), Status::kMalformedModel);
  EXPECT_MSG_HAS(msg, "tensor index -2 out of range");

  ModelBuilder g = add_model();
  g.set_outputs({1, 2});
  EXPECT_EQ(load(g.finish(), &msg), Status::kMalformedModel);
  EXPECT_MSG_HAS(msg, "subgraph 0 output 1: tensor index 2 out of range [0, 2)");
}

TEST(Robustness, OpcodeIndexOutOfRange) {
  ModelBuilder b = add_model();
  std::vector<uint8_t> bytes = b.finish();
  fb::Table op = fb::Table::at(bytes.data(), bytes.size(), b.layout().operators[0]);
  ASSERT_NE(op.field_offset(0), 0u);
  testing::poke_u32(&bytes, b.layout().operators[0] + op.field_offset(0), 5);
  std::string msg;
  EXPECT_EQ(load(bytes, &msg), Status::kMalformedModel);
  EXPECT_MSG_HAS(msg, "op 0: opcode_index 5 out of range [0, 1)");
}

TEST(Robustness, OpReadsTensorBeforeItIsWritten) {
  ModelBuilder b;
  int in = b.add_tensor(TensorType::kInt8, {1, 4}, Quant(0.5f, 0));
  int mid = b.add_tensor(TensorType::kInt8, {1, 4}, Quant(0.5f, 0));
  int out = b.add_tensor(TensorType::kInt8, {1, 4}, Quant(0.5f, 0));
  b.add_op(BuiltinOp::ADD, {in, mid}, {out}, Options::add());  // mid is written only by op 1
  b.add_op(BuiltinOp::ADD, {in, in}, {mid}, Options::add());
  b.set_inputs({in});
  b.set_outputs({out});
  std::string msg;
  EXPECT_EQ(plan(b.finish(), &msg), Status::kMalformedModel);
  EXPECT_MSG_HAS(msg, "op 0 (ADD) input 1 reads tensor 1 before any op writes it");
}

TEST(Robustness, OpWritesAConstant) {
  ModelBuilder b;
  int in = b.add_tensor(TensorType::kInt8, {1, 4}, Quant(0.5f, 0));
  int c = b.add_const_i8({1, 4}, {1, 2, 3, 4}, Quant(0.5f, 0));
  b.add_op(BuiltinOp::ADD, {in, in}, {c}, Options::add());
  b.set_inputs({in});
  b.set_outputs({c});
  std::string msg;
  EXPECT_EQ(plan(b.finish(), &msg), Status::kMalformedModel);
  EXPECT_MSG_HAS(msg, "op 0 (ADD) writes constant tensor 1");
}

TEST(Robustness, TensorWrittenTwiceOrInputOverwritten) {
  ModelBuilder b = add_model();
  b.add_op(BuiltinOp::ADD, {0, 0}, {1}, Options::add());
  std::string msg;
  EXPECT_EQ(plan(b.finish(), &msg), Status::kMalformedModel);
  EXPECT_MSG_HAS(msg, "op 1 (ADD) writes tensor 1, which is a graph input or written by an earlier op");

  ModelBuilder g = add_model();
  g.add_op(BuiltinOp::ADD, {1, 1}, {0}, Options::add());
  EXPECT_EQ(plan(g.finish(), &msg), Status::kMalformedModel);
  EXPECT_MSG_HAS(msg, "writes tensor 0");
}

TEST(Robustness, GraphOutputNeverWrittenOrInputConstant) {
  ModelBuilder b = add_model();
  int orphan = b.add_tensor(TensorType::kInt8, {4});
  b.set_outputs({1, orphan});
  std::string msg;
  EXPECT_EQ(plan(b.finish(), &msg), Status::kMalformedModel);
  EXPECT_MSG_HAS(msg, "graph output 1 (tensor 2) is never written");

  ModelBuilder c = add_model();
  int k = c.add_const_i8({4}, {1, 2, 3, 4});
  c.set_inputs({0, k});
  EXPECT_EQ(plan(c.finish(), &msg), Status::kMalformedModel);
  EXPECT_MSG_HAS(msg, "graph input 1 (tensor 2) is a constant");
}

TEST(Robustness, TooManyTensorsForOneOp) {
  ModelBuilder b;
  int in = b.add_tensor(TensorType::kInt8, {1, 4}, Quant(0.5f, 0));
  int out = b.add_tensor(TensorType::kInt8, {1, 68}, Quant(0.5f, 0));
  std::vector<int32_t> ins(17, in);
  b.add_op(BuiltinOp::CONCATENATION, ins, {out}, Options::concatenation(1));
  b.set_inputs({in});
  b.set_outputs({out});
  std::string msg;
  EXPECT_EQ(plan(b.finish(), &msg), Status::kUnsupported);
  EXPECT_MSG_HAS(msg, "op 0 (CONCATENATION) has 17 inputs and 1 outputs; at most 16");
}

TEST(Robustness, TooSmallArenaIsRefusedWithBothNumbers) {
  ModelBuilder b = add_model();
  std::vector<uint8_t> bytes = b.finish();
  AlignedModel m(bytes);
  Model model;
  Error err;
  ASSERT_EQ(model.load(m.data(), m.size(), &err), Status::kOk) << err.message;
  std::vector<uint64_t> work(Interpreter::workspace_bytes(model) / 8 + 1);
  ArenaPlan p;
  ASSERT_EQ(Interpreter::plan(model, all_ops(), work.data(), work.size() * 8, &p, &err), Status::kOk) << err.message;
  ASSERT_GT(p.total_bytes, 16u);
  std::vector<uint64_t> arena(p.total_bytes / 8 + 1);

  Interpreter interp;
  const size_t small = p.total_bytes - 1;
  EXPECT_EQ(interp.prepare(model, all_ops(), arena.data(), small, &err), Status::kArenaTooSmall);
  std::string msg = err.message;
  EXPECT_MSG_HAS(msg, "arena too small");
  EXPECT_MSG_HAS(msg, std::to_string(small) + " bytes given");
  EXPECT_MSG_HAS(msg, std::to_string(p.total_bytes) + " needed");
  EXPECT_FALSE(interp.prepared());
  EXPECT_EQ(interp.invoke(&err), Status::kNotReady);
  EXPECT_EQ(interp.input(0).data, nullptr);

  // Even smaller than the planning workspace: still a clean refusal with both numbers.
  EXPECT_EQ(interp.prepare(model, all_ops(), arena.data(), 8, &err), Status::kArenaTooSmall);
  msg = err.message;
  EXPECT_MSG_HAS(msg, "8 bytes given");
  EXPECT_MSG_HAS(msg, std::to_string(p.workspace_bytes) + " needed");

  // A workspace too small for plan().
  ArenaPlan q;
  EXPECT_EQ(Interpreter::plan(model, all_ops(), work.data(), 8, &q, &err), Status::kArenaTooSmall);
  EXPECT_MSG_HAS(std::string(err.message), "planning workspace: 8 bytes given");

  // Exactly the plan: accepted and runs.
  ASSERT_EQ(interp.prepare(model, all_ops(), arena.data(), p.total_bytes, &err), Status::kOk) << err.message;
  EXPECT_EQ(interp.invoke(&err), Status::kOk) << err.message;
}

TEST(Robustness, BadArenaAndPhaseErrors) {
  ModelBuilder b = add_model();
  std::vector<uint8_t> bytes = b.finish();
  AlignedModel m(bytes);
  Model model;
  Error err;
  Interpreter interp;
  EXPECT_EQ(interp.prepare(model, all_ops(), nullptr, 0, &err), Status::kNotReady);  // model not loaded
  EXPECT_MSG_HAS(std::string(err.message), "not loaded");
  ASSERT_EQ(model.load(m.data(), m.size(), &err), Status::kOk);
  alignas(16) static uint8_t arena[8192];
  EXPECT_EQ(interp.prepare(model, all_ops(), nullptr, 100, &err), Status::kInvalidArgument);
  EXPECT_EQ(interp.prepare(model, all_ops(), arena + 4, sizeof(arena) - 4, &err), Status::kInvalidArgument);
  EXPECT_MSG_HAS(std::string(err.message), "8-byte aligned");
  EXPECT_EQ(interp.invoke(&err), Status::kNotReady);
  EXPECT_EQ(interp.invoke_op(0, &err), Status::kNotReady);
  ASSERT_EQ(interp.prepare(model, all_ops(), arena, sizeof(arena), &err), Status::kOk) << err.message;
  EXPECT_EQ(interp.invoke_op(1, &err), Status::kInvalidArgument);
  EXPECT_EQ(interp.invoke_op(-1, &err), Status::kInvalidArgument);
  float vals[4] = {1, 2, 3, 4};
  EXPECT_EQ(interp.set_input_float(0, vals, 3, &err), Status::kInvalidArgument);
  EXPECT_EQ(interp.set_input_float(1, vals, 4, &err), Status::kInvalidArgument);
  EXPECT_EQ(interp.get_output_float(5, vals, 4, &err), Status::kInvalidArgument);
  EXPECT_EQ(interp.output(-1).data, nullptr);
  EXPECT_EQ(interp.tensor(99).data, nullptr);
}

// --- structural damage (layout pokes) -----------------------------------------------------------

TEST(Robustness, RootOffsetOutsideFile) {
  ModelBuilder b = add_model();
  std::vector<uint8_t> bytes = b.finish();
  testing::poke_u32(&bytes, 0, static_cast<uint32_t>(bytes.size()));
  std::string msg;
  EXPECT_EQ(load(bytes, &msg), Status::kMalformedModel);
  EXPECT_MSG_HAS(msg, "root table");
  EXPECT_MSG_HAS(msg, "table outside buffer");
  testing::poke_u32(&bytes, 0, 2);
  EXPECT_EQ(load(bytes, &msg), Status::kMalformedModel);
  EXPECT_MSG_HAS(msg, "not 4-byte aligned");
}

TEST(Robustness, VtableOutsideFile) {
  ModelBuilder b = add_model();
  std::vector<uint8_t> bytes = b.finish();
  const size_t t = b.layout().tensors[1];
  testing::poke_u32(&bytes, t, 0x80000000u);  // soffset pointing far past the end
  std::string msg;
  EXPECT_EQ(load(bytes, &msg), Status::kMalformedModel);
  EXPECT_MSG_HAS(msg, "tensor 0.1: vtable outside buffer");
}

TEST(Robustness, FieldOffsetOutsideTable) {
  ModelBuilder b = add_model();
  std::vector<uint8_t> bytes = b.finish();
  const size_t t = b.layout().tensors[0];
  const size_t vt = t - static_cast<size_t>(static_cast<int32_t>(testing::peek_u32(bytes, t)));
  testing::poke_u16(&bytes, vt + 4 + 2 * 1, 0x7FF0);  // Tensor.type at an inline offset past the table
  std::string msg;
  EXPECT_EQ(load(bytes, &msg), Status::kMalformedModel);
  EXPECT_MSG_HAS(msg, "field offset outside table");
}

TEST(Robustness, VectorCountPastTheEnd) {
  ModelBuilder b = add_model();
  std::vector<uint8_t> bytes = b.finish();
  const size_t t = b.layout().tensors[0];
  fb::Table tab = fb::Table::at(bytes.data(), bytes.size(), t);
  const size_t field = t + tab.field_offset(0);  // shape
  const size_t vec = field + testing::peek_u32(bytes, field);
  testing::poke_u32(&bytes, vec, 0x40000000u);
  std::string msg;
  EXPECT_EQ(load(bytes, &msg), Status::kMalformedModel);
  EXPECT_MSG_HAS(msg, "vector elements outside buffer");
}

TEST(Robustness, StringWithoutTerminator) {
  ModelBuilder b = add_model();
  b.set_description("abc");
  std::vector<uint8_t> bytes = b.finish();
  fb::Table root = fb::Table::at(bytes.data(), bytes.size(), b.layout().root_table);
  const size_t field = b.layout().root_table + root.field_offset(3);
  const size_t str = field + testing::peek_u32(bytes, field);
  ASSERT_EQ(testing::peek_u32(bytes, str), 3u);
  testing::poke_u32(&bytes, str, static_cast<uint32_t>(bytes.size() - str - 4));  // runs to the last byte
  bytes.back() = 'x';
  std::string msg;
  EXPECT_EQ(load(bytes, &msg), Status::kMalformedModel);
  EXPECT_MSG_HAS(msg, "model description");
}

TEST(Robustness, NoSubgraph) {
  ModelBuilder b = add_model();
  std::vector<uint8_t> bytes = b.finish();
  fb::Table root = fb::Table::at(bytes.data(), bytes.size(), b.layout().root_table);
  const size_t field = b.layout().root_table + root.field_offset(2);
  testing::poke_u32(&bytes, field + testing::peek_u32(bytes, field), 0);
  std::string msg;
  EXPECT_EQ(load(bytes, &msg), Status::kMalformedModel);
  EXPECT_MSG_HAS(msg, "model has no subgraph");
}

TEST(Robustness, CyclicOrSelfReferencingOffsets) {
  // Point the tensor vector's element 0 back at the vector itself (offset 0 is refused; a small
  // backward jump is impossible since offsets are unsigned): use the largest forward jump instead.
  ModelBuilder b = add_model();
  std::vector<uint8_t> bytes = b.finish();
  fb::Table sg = fb::Table::at(bytes.data(), bytes.size(), b.layout().subgraph);
  const size_t field = b.layout().subgraph + sg.field_offset(0);
  const size_t vec = field + testing::peek_u32(bytes, field);
  testing::poke_u32(&bytes, vec + 4, 0);
  std::string msg;
  EXPECT_EQ(load(bytes, &msg), Status::kMalformedModel);
  EXPECT_MSG_HAS(msg, "tensor 0.0: offset points outside buffer");
  testing::poke_u32(&bytes, vec + 4, 0xFFFFFFF0u);
  EXPECT_EQ(load(bytes, &msg), Status::kMalformedModel);
  EXPECT_MSG_HAS(msg, "offset points outside buffer");
}

// --- hostile values inside well-formed models ---------------------------------------------------
// Each model below is valid in structure; its numbers are extreme. The runtime may refuse it at
// prepare or run it, but never with undefined behaviour (these tests matter under ASan + UBSan).

Outcome exercise_at(const std::vector<uint8_t>& bytes, size_t misalign) {
  AlignedModel m(bytes, misalign);
  return exercise(m.data(), m.size());
}

// A conv-like int16 op (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, TRANSPOSE_CONV) with an int64
// bias of value `bias`, int8 weights of value `w`.
std::vector<uint8_t> int16_op_with_int64_bias(BuiltinOp op, int64_t bias, int8_t w) {
  ModelBuilder b;
  const Quant qa(1.0f / 1024, 0);
  int in, weights, out, shape = -1;
  Options opt;
  switch (op) {
    case BuiltinOp::FULLY_CONNECTED:
      in = b.add_tensor(TensorType::kInt16, {1, 8}, qa);
      weights = b.add_const_i8({2, 8}, std::vector<int8_t>(16, w), Quant(0.5f, 0));
      out = b.add_tensor(TensorType::kInt16, {1, 2}, qa);
      opt = Options::fully_connected();
      break;
    case BuiltinOp::DEPTHWISE_CONV_2D:
      in = b.add_tensor(TensorType::kInt16, {1, 3, 3, 2}, qa);
      weights = b.add_const_i8({1, 3, 3, 2}, std::vector<int8_t>(18, w), Quant::per_channel({0.5f, 0.5f}, 3));
      out = b.add_tensor(TensorType::kInt16, {1, 3, 3, 2}, qa);
      opt = Options::depthwise_conv2d(Padding::kSame, 1, 1, 1);
      break;
    case BuiltinOp::TRANSPOSE_CONV:
      shape = b.add_const_i32({4}, {1, 3, 3, 2});
      in = b.add_tensor(TensorType::kInt16, {1, 3, 3, 2}, qa);
      weights = b.add_const_i8({2, 3, 3, 2}, std::vector<int8_t>(36, w), Quant::per_channel({0.5f, 0.5f}, 0));
      out = b.add_tensor(TensorType::kInt16, {1, 3, 3, 2}, qa);
      opt = Options::transpose_conv(Padding::kSame, 1, 1);
      break;
    default:
      in = b.add_tensor(TensorType::kInt16, {1, 3, 3, 2}, qa);
      weights = b.add_const_i8({2, 3, 3, 2}, std::vector<int8_t>(36, w), Quant::per_channel({0.5f, 0.5f}, 0));
      out = b.add_tensor(TensorType::kInt16, {1, 3, 3, 2}, qa);
      opt = Options::conv2d(Padding::kSame, 1, 1);
      break;
  }
  int bias_t = b.add_const_i64({2}, {bias, -bias}, Quant::per_channel({1.0f / 2048, 1.0f / 2048}, 0));
  if (op == BuiltinOp::TRANSPOSE_CONV) b.add_op(op, {shape, weights, in, bias_t}, {out}, opt);
  else b.add_op(op, {in, weights, bias_t}, {out}, opt);
  b.set_inputs({in});
  b.set_outputs({out});
  return b.finish();
}

const BuiltinOp kInt16BiasOps[] = {BuiltinOp::CONV_2D, BuiltinOp::DEPTHWISE_CONV_2D, BuiltinOp::FULLY_CONNECTED,
                                   BuiltinOp::TRANSPOSE_CONV};

TEST(HostileValues, Int64BiasAtFourByteAlignmentIsReadSafely) {
  // The loader accepts 8-byte constants that are only 4-byte aligned (real converters emit them);
  // kernels must not dereference them as int64_t*.
  for (BuiltinOp op : kInt16BiasOps) {
    SCOPED_TRACE(builtin_op_name(static_cast<int32_t>(op)));
    std::vector<uint8_t> bytes = int16_op_with_int64_bias(op, 1000, 3);
    Outcome aligned = exercise_at(bytes, 0);
    ASSERT_EQ(aligned.stage, 3) << aligned.message;
    Outcome shifted = exercise_at(bytes, 4);  // every constant moves to 4 mod 8
    EXPECT_EQ(shifted.stage, 3) << shifted.message;
    EXPECT_EQ(shifted.invoke, Status::kOk);
  }
}

TEST(HostileValues, ExtremeInt64BiasNeverOverflows) {
  for (BuiltinOp op : kInt16BiasOps) {
    for (int64_t bias : {INT64_MAX, INT64_MIN + 1, int64_t{1} << 50, -(int64_t{1} << 47)}) {
      SCOPED_TRACE(std::string(builtin_op_name(static_cast<int32_t>(op))) + " bias " + std::to_string(bias));
      Outcome o = exercise(int16_op_with_int64_bias(op, bias, 127));
      EXPECT_NE(o.stage, 0) << o.message;  // the model is well-formed
    }
  }
}

TEST(HostileValues, Int32BiasAtTheLimitsNeverOverflows) {
  for (int32_t bias : {INT32_MIN, INT32_MAX}) {
    ModelBuilder b;
    int in = b.add_tensor(TensorType::kInt8, {1, 8}, Quant(1.0f, 100));
    int w = b.add_const_i8({2, 8}, std::vector<int8_t>(16, 127), Quant(1.0f, 0));
    int bt = b.add_const_i32({2}, {bias, bias}, Quant(1.0f, 0));
    int out = b.add_tensor(TensorType::kInt8, {1, 2}, Quant(1.0f, 0));
    b.add_op(BuiltinOp::FULLY_CONNECTED, {in, w, bt}, {out}, Options::fully_connected());
    b.set_inputs({in});
    b.set_outputs({out});
    Outcome o = exercise(b.finish());
    EXPECT_NE(o.stage, 0) << o.message;
  }
}

TEST(HostileValues, EffectiveScaleOutOfShiftRangeIsRefusedOrSafe) {
  // input scale x weight scale / output scale = 1e15 or 1e-30: no Q31 multiplier with a shift in
  // [-31, 30] represents it.
  for (float out_scale : {1e-3f, 1e30f}) {
    ModelBuilder b;
    int in = b.add_tensor(TensorType::kInt8, {1, 3, 3, 2}, Quant(1e6f, 0));
    int w = b.add_const_i8({2, 3, 3, 2}, std::vector<int8_t>(36, 5), Quant::per_channel({1e6f, 1e6f}, 0));
    int bt = b.add_const_i32({2}, {0, 0}, Quant::per_channel({1e12f, 1e12f}, 0));
    int out = b.add_tensor(TensorType::kInt8, {1, 3, 3, 2}, Quant(out_scale, 0));
    b.add_op(BuiltinOp::CONV_2D, {in, w, bt}, {out}, Options::conv2d(Padding::kSame, 1, 1));
    b.set_inputs({in});
    b.set_outputs({out});
    Outcome o = exercise(b.finish());
    EXPECT_NE(o.stage, 0) << o.message;
    if (o.stage == 2) {
      EXPECT_TRUE(o.prepare == Status::kInvalidModel || o.prepare == Status::kUnsupported) << o.message;
    }
  }
}

TEST(HostileValues, StridedSliceWithHugeStridesIsRefusedOrSafe) {
  for (int32_t stride : {INT32_MIN, INT32_MIN + 1, -50331647, INT32_MAX}) {
    ModelBuilder b;
    int in = b.add_tensor(TensorType::kInt8, {1, 4, 4, 2}, Quant(0.1f, 0));
    int begin = b.add_const_i32({4}, {0, INT32_MAX, INT32_MIN, 0});
    int end = b.add_const_i32({4}, {1, INT32_MIN, INT32_MAX, 2});
    int strides = b.add_const_i32({4}, {1, stride, stride, 1});
    int out = b.add_tensor(TensorType::kInt8, {1, 1, 1, 2}, Quant(0.1f, 0));
    b.add_op(BuiltinOp::STRIDED_SLICE, {in, begin, end, strides}, {out}, Options::strided_slice(0, 0));
    b.set_inputs({in});
    b.set_outputs({out});
    Outcome o = exercise(b.finish());
    EXPECT_NE(o.stage, 0) << o.message;
  }
}

// --- randomized builder models: random ops over random tensors never crash ----------------------

uint32_t next(uint32_t* s) {
  *s ^= *s << 13;
  *s ^= *s >> 17;
  *s ^= *s << 5;
  return *s;
}

TEST(Robustness, RandomSingleOpModelsNeverCrash) {
  const BuiltinOp ops[] = {
#define MOTE_OP(NAME, CODE, STEM) BuiltinOp::NAME,
#include "runtime/ops.inc"
#undef MOTE_OP
  };
  const TensorType types[] = {TensorType::kInt8, TensorType::kInt16, TensorType::kInt32, TensorType::kFloat32,
                              TensorType::kInt64, TensorType::kUInt8, TensorType::kBool};
  uint32_t s = 12345;
  int ran = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    ModelBuilder b;
    const int nt = 2 + static_cast<int>(next(&s) % 4);
    std::vector<int32_t> ins, outs;
    for (int t = 0; t < nt; ++t) {
      std::vector<int32_t> shape(next(&s) % 5);
      for (int32_t& d : shape) d = static_cast<int32_t>(next(&s) % 5);
      TensorType ty = types[next(&s) % (sizeof(types) / sizeof(types[0]))];
      Quant q = (next(&s) & 1) ? Quant(0.01f * static_cast<float>(1 + next(&s) % 100), static_cast<int64_t>(next(&s) % 7) - 3)
                               : Quant();
      bool constant = t > 0 && t < nt - 1 && (next(&s) & 1);
      int idx;
      if (constant) {
        int64_t n = 1;
        for (int32_t d : shape) n *= d;
        std::vector<uint8_t> data(static_cast<size_t>(n) * type_size(ty));
        for (uint8_t& v : data) v = static_cast<uint8_t>(next(&s));
        idx = b.add_const_raw(ty, shape, data, q);
      } else {
        idx = b.add_tensor(ty, shape, q);
      }
      (t < nt - 1 ? ins : outs).push_back(idx);
    }
    Options opt;
    const int nf = static_cast<int>(next(&s) % 6);
    for (int f = 0; f < nf; ++f) {
      int id = static_cast<int>(next(&s) % 8);
      if (next(&s) & 1) opt.i8(id, static_cast<int8_t>(next(&s) % 6));
      else opt.i32(id, static_cast<int32_t>(next(&s) % 5) - 1);
    }
    b.add_op(ops[next(&s) % (sizeof(ops) / sizeof(ops[0]))], ins, outs, opt);
    std::vector<int32_t> graph_ins;
    for (int32_t i : ins)
      if (!b.tensor(i).buffer) graph_ins.push_back(i);
    b.set_inputs(graph_ins);
    b.set_outputs(outs);
    Outcome o = exercise(b.finish());
    if (o.stage == 3) ++ran;
  }
  // Most random combinations are refused by prepare; a few are valid and run.
  EXPECT_GT(ran, 0);
}

}  // namespace
}  // namespace mote
