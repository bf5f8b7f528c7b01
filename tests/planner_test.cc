// The arena planner: exact offsets and peaks for small hand-made lifetimes, then property checks
// on random cases (no two simultaneously-live buffers overlap, offsets aligned, peak exact and at
// least the lower bound, deterministic), and the same no-overlap property on the tensors of real
// models as the prepared interpreter lays them out.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "runtime/interpreter.h"
#include "runtime/model.h"
#include "runtime/op_resolver.h"
#include "runtime/planner.h"
#include "tests/support/model_builder.h"
#include "tests/support/test_support.h"

namespace mote {
namespace {

uint64_t align_up(uint64_t v, uint32_t a) { return (v + a - 1) / a * a; }

size_t run(std::vector<PlanBuffer>* b, uint32_t alignment = 8) {
  std::vector<uint32_t> work(2 * b->size() + 1);
  return plan_buffers(b->data(), static_cast<uint32_t>(b->size()), work.data(), alignment);
}

TEST(Planner, EmptyInput) {
  std::vector<PlanBuffer> b;
  EXPECT_EQ(run(&b), 0u);
  EXPECT_EQ(plan_lower_bound(b.data(), 0, 8), 0u);
}

TEST(Planner, HeaderExampleReusesBytes) {
  std::vector<PlanBuffer> b = {{1024, 0, 1, 0}, {512, 1, 2, 0}, {1024, 2, 3, 0}};
  EXPECT_EQ(run(&b), 1536u);
  EXPECT_EQ(b[0].offset, 0u);
  EXPECT_EQ(b[1].offset, 1024u);
  EXPECT_EQ(b[2].offset, 0u);  // reuses b[0]'s bytes: their lifetimes do not meet
  EXPECT_EQ(plan_lower_bound(b.data(), 3, 8), 1536u);
}

TEST(Planner, DisjointLifetimesShareOffsetZero) {
  std::vector<PlanBuffer> b = {{100, 0, 0, 7}, {300, 1, 1, 7}, {200, 2, 2, 7}, {50, 3, 5, 7}};
  EXPECT_EQ(run(&b), 304u);  // 300 rounded up to 8
  for (const PlanBuffer& x : b) EXPECT_EQ(x.offset, 0u);
}

TEST(Planner, AllAliveStackLargestFirst) {
  std::vector<PlanBuffer> b = {{16, 0, 3, 0}, {64, 0, 3, 0}, {32, 0, 3, 0}};
  EXPECT_EQ(run(&b), 112u);
  EXPECT_EQ(b[1].offset, 0u);
  EXPECT_EQ(b[2].offset, 64u);
  EXPECT_EQ(b[0].offset, 96u);
}

TEST(Planner, AlignmentRoundsSizesAndOffsets) {
  std::vector<PlanBuffer> b = {{1, 0, 1, 0}, {3, 0, 1, 0}, {5, 0, 1, 0}};
  EXPECT_EQ(run(&b, 8), 24u);
  for (const PlanBuffer& x : b) EXPECT_EQ(x.offset % 8, 0u);
  EXPECT_EQ(run(&b, 16), 48u);
  for (const PlanBuffer& x : b) EXPECT_EQ(x.offset % 16, 0u);
  EXPECT_EQ(plan_lower_bound(b.data(), 3, 16), 48u);
  EXPECT_EQ(run(&b, 1), 9u);
}

TEST(Planner, ZeroByteBuffersTakeNoSpace) {
  std::vector<PlanBuffer> b = {{0, 0, 9, 123}, {40, 0, 9, 0}, {0, 3, 4, 55}};
  EXPECT_EQ(run(&b), 40u);
  EXPECT_EQ(b[0].offset, 0u);
  EXPECT_EQ(b[2].offset, 0u);
}

TEST(Planner, FillsAGapLeftByAShortBuffer) {
  // A lives 0..3; B only at 0; C at 1..3. C goes above A; B fits beside A at 0 too.
  std::vector<PlanBuffer> b = {{64, 0, 3, 0}, {32, 0, 0, 0}, {32, 1, 3, 0}};
  EXPECT_EQ(run(&b), 96u);
  EXPECT_EQ(b[0].offset, 0u);
  EXPECT_EQ(b[1].offset, 64u);
  EXPECT_EQ(b[2].offset, 64u);  // B and C never meet: same bytes
}

TEST(Planner, ChainOfOpsNeedsTwoBuffers) {
  // t0 -> op0 -> t1 -> op1 -> t2 -> ... each tensor alive [i, i+1]: two at a time.
  std::vector<PlanBuffer> b;
  for (int i = 0; i < 10; ++i) b.push_back({1000, i, i + 1, 0});
  EXPECT_EQ(run(&b), 2000u);
  EXPECT_EQ(plan_lower_bound(b.data(), 10, 8), 2000u);
}

// --- properties on random cases ------------------------------------------------------------------

uint32_t next(uint32_t* s) {
  *s ^= *s << 13;
  *s ^= *s >> 17;
  *s ^= *s << 5;
  return *s;
}

// Lower bound computed independently: every op index, every buffer.
uint64_t naive_lower_bound(const std::vector<PlanBuffer>& b, uint32_t a) {
  int32_t lo = INT32_MAX, hi = INT32_MIN;
  for (const PlanBuffer& x : b) {
    lo = std::min(lo, x.first);
    hi = std::max(hi, x.last);
  }
  uint64_t best = 0;
  for (int32_t t = lo; t <= hi; ++t) {
    uint64_t sum = 0;
    for (const PlanBuffer& x : b)
      if (x.first <= t && t <= x.last) sum += align_up(x.bytes, a);
    best = std::max(best, sum);
  }
  return best;
}

void check_plan(const std::vector<PlanBuffer>& b, size_t peak, uint32_t a) {
  uint64_t top = 0, total = 0;
  for (size_t i = 0; i < b.size(); ++i) {
    ASSERT_EQ(b[i].offset % a, 0u) << i;
    if (b[i].bytes == 0) continue;
    top = std::max<uint64_t>(top, b[i].offset + align_up(b[i].bytes, a));
    total += align_up(b[i].bytes, a);
    for (size_t j = i + 1; j < b.size(); ++j) {
      if (b[j].bytes == 0) continue;
      const bool live = b[i].first <= b[j].last && b[j].first <= b[i].last;
      if (!live) continue;
      const bool apart = b[i].offset + b[i].bytes <= b[j].offset || b[j].offset + b[j].bytes <= b[i].offset;
      ASSERT_TRUE(apart) << "buffers " << i << " and " << j << " overlap: [" << b[i].offset << ", +" << b[i].bytes << ") vs ["
                         << b[j].offset << ", +" << b[j].bytes << ")";
    }
  }
  EXPECT_EQ(peak, top) << "peak is the end of the highest buffer";
  EXPECT_LE(peak, total);
  const uint64_t lb = naive_lower_bound(b, a);
  EXPECT_EQ(plan_lower_bound(b.data(), static_cast<uint32_t>(b.size()), a), lb);
  EXPECT_GE(peak, lb);
}

TEST(Planner, RandomCasesNeverOverlapAndAreDeterministic) {
  uint32_t s = 2024;
  for (int iter = 0; iter < 2000; ++iter) {
    SCOPED_TRACE(iter);
    const uint32_t n = 1 + next(&s) % 60;
    const int32_t ops = 1 + static_cast<int32_t>(next(&s) % 30);
    const uint32_t a = 1u << (next(&s) % 5);
    std::vector<PlanBuffer> b(n);
    for (PlanBuffer& x : b) {
      x.bytes = (next(&s) % 8 == 0) ? 0 : next(&s) % 5000;
      x.first = static_cast<int32_t>(next(&s) % ops);
      x.last = x.first + static_cast<int32_t>(next(&s) % (ops - x.first));
      x.offset = next(&s);  // garbage in: must be overwritten
    }
    std::vector<PlanBuffer> again = b;
    size_t peak = run(&b, a);
    check_plan(b, peak, a);
    if (::testing::Test::HasFatalFailure()) return;
    size_t peak2 = run(&again, a);
    ASSERT_EQ(peak, peak2);
    for (uint32_t i = 0; i < n; ++i) ASSERT_EQ(b[i].offset, again[i].offset) << i;
    // Running again on its own output changes nothing either.
    size_t peak3 = run(&b, a);
    EXPECT_EQ(peak3, peak);
  }
}

TEST(Planner, ManyBuffersStillFast) {
  uint32_t s = 7;
  std::vector<PlanBuffer> b(3000);
  for (size_t i = 0; i < b.size(); ++i) {
    b[i].bytes = 16 + next(&s) % 4096;
    b[i].first = static_cast<int32_t>(i / 2);
    b[i].last = b[i].first + static_cast<int32_t>(next(&s) % 6);
  }
  size_t peak = run(&b);
  check_plan(b, peak, 8);
}

// --- the interpreter's placement of real model tensors -------------------------------------------

struct Lifetime {
  int32_t first = INT32_MAX, last = -1;
};

// Checks a prepared interpreter: non-constant tensors whose lifetimes meet occupy disjoint bytes,
// except a RESHAPE output, which may share its input's bytes.
void check_tensor_layout(const Model& m, const Interpreter& interp) {
  const int32_t n = m.num_tensors();
  std::vector<Lifetime> life(n);
  std::vector<int32_t> alias(n, -1);
  for (int i = 0; i < m.num_inputs(); ++i) life[m.input_tensor(i)] = {0, 0};
  for (int o = 0; o < m.num_ops(); ++o) {
    OpView v = m.op(o);
    for (int i = 0; i < v.num_inputs(); ++i)
      if (v.input(i) >= 0) life[v.input(i)].last = std::max(life[v.input(i)].last, o);
    for (int j = 0; j < v.num_outputs(); ++j) {
      Lifetime& l = life[v.output(j)];
      l.first = std::min(l.first, o);
      l.last = std::max(l.last, o);
    }
    if (v.builtin_code == static_cast<int32_t>(BuiltinOp::RESHAPE) && v.num_inputs() >= 1) alias[v.output(0)] = v.input(0);
  }
  for (int i = 0; i < m.num_outputs(); ++i) life[m.output_tensor(i)].last = m.num_ops() - 1;
  for (int32_t a = 0; a < n; ++a) {
    TensorRef ra = interp.tensor(a);
    if (m.tensor(a).is_constant() || ra.data == nullptr || life[a].first == INT32_MAX) continue;
    for (int32_t c = a + 1; c < n; ++c) {
      TensorRef rc = interp.tensor(c);
      if (m.tensor(c).is_constant() || rc.data == nullptr || life[c].first == INT32_MAX) continue;
      const bool live = life[a].first <= life[c].last && life[c].first <= life[a].last;
      if (!live || ra.bytes == 0 || rc.bytes == 0) continue;
      if (alias[c] == a || alias[a] == c || (alias[c] >= 0 && alias[c] == alias[a])) continue;
      const uint8_t* pa = static_cast<const uint8_t*>(ra.data);
      const uint8_t* pc = static_cast<const uint8_t*>(rc.data);
      if (pa == pc && (alias[a] >= 0 || alias[c] >= 0)) continue;  // alias chains
      EXPECT_TRUE(pa + ra.bytes <= pc || pc + rc.bytes <= pa)
          << "tensors " << a << " and " << c << " are alive together (ops " << life[a].first << ".." << life[a].last << " and "
          << life[c].first << ".." << life[c].last << ") but overlap";
    }
  }
}

TEST(Planner, RealModelTensorsNeverOverlap) {
  std::string shared = testing::shared_dir();
  if (shared.empty()) GTEST_SKIP() << "../shared/conformance is absent";
  OpResolver resolver;
  register_all_ops(&resolver);
  int checked = 0;
  const char* names[] = {"hello_world_int8", "hello_world_float", "kws_ref_model", "micro_speech_quantized",
                         "person_detect", "pretrainedResnet_quant", "ad01_int8"};
  for (const char* name : names) {
    SCOPED_TRACE(name);
    testing::AlignedModel bytes(testing::read_file(shared + "/conformance/core/" + name + "/model.tflite"));
    Model model;
    Error err;
    if (model.load(bytes.data(), bytes.size(), &err) != Status::kOk) continue;  // model_test reports load failures
    std::vector<uint64_t> work(Interpreter::workspace_bytes(model) / 8 + 1);
    ArenaPlan plan;
    if (Interpreter::plan(model, resolver, work.data(), work.size() * 8, &plan, &err) != Status::kOk) continue;
    EXPECT_GE(plan.activation_bytes, plan.activation_lower_bound);
    EXPECT_EQ(plan.total_bytes % 8, 0u);
    std::unique_ptr<uint64_t[]> arena(new uint64_t[plan.total_bytes / 8]);
    Interpreter interp;
    ASSERT_EQ(interp.prepare(model, resolver, arena.get(), plan.total_bytes, &err), Status::kOk) << err.message;
    for (int32_t t = 0; t < model.num_tensors(); ++t) {
      TensorRef r = interp.tensor(t);
      if (r.data == nullptr || model.tensor(t).is_constant()) continue;
      const uint8_t* p = static_cast<const uint8_t*>(r.data);
      const uint8_t* base = reinterpret_cast<const uint8_t*>(arena.get());
      EXPECT_GE(p, base);
      EXPECT_LE(p + r.bytes, base + plan.activation_bytes) << "tensor " << t << " inside the activation region";
      EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % Interpreter::kAlignment, 0u);
    }
    check_tensor_layout(model, interp);
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

TEST(Planner, BuilderChainUsesTwoBuffers) {
  // in -> RELU -> t1 -> RELU -> t2 -> RELU -> out: the activation region holds two tensors.
  testing::ModelBuilder b;
  int prev = b.add_tensor(TensorType::kInt8, {1, 1000}, testing::Quant(0.1f, 0));
  const int in = prev;
  for (int i = 0; i < 4; ++i) {
    int t = b.add_tensor(TensorType::kInt8, {1, 1000}, testing::Quant(0.1f, 0));
    b.add_op(BuiltinOp::RELU, {prev}, {t});
    prev = t;
  }
  b.set_inputs({in});
  b.set_outputs({prev});
  std::vector<uint8_t> bytes = b.finish();
  testing::AlignedModel m(bytes);
  Model model;
  Error err;
  ASSERT_EQ(model.load(m.data(), m.size(), &err), Status::kOk) << err.message;
  OpResolver resolver;
  ASSERT_EQ(resolver.add(op_relu()), Status::kOk);
  std::vector<uint64_t> work(Interpreter::workspace_bytes(model) / 8 + 1);
  ArenaPlan plan;
  ASSERT_EQ(Interpreter::plan(model, resolver, work.data(), work.size() * 8, &plan, &err), Status::kOk) << err.message;
  EXPECT_EQ(plan.activation_lower_bound, 2000u);
  EXPECT_EQ(plan.activation_bytes, 2000u);
}

}  // namespace
}  // namespace mote
