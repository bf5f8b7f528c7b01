// Model loading: every real model in ../shared/conformance/core loads and reports what its
// meta.json says; the test ModelBuilder writes files the loader accepts and every field it writes
// reads back unchanged; a real model rebuilt with the builder runs to the same golden outputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <dirent.h>
#include <sys/stat.h>
#include <nlohmann/json.hpp>
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

// Directories under `dir` (recursively) that hold a model.tflite, sorted.
void find_models(const std::string& dir, std::vector<std::string>* out) {
  if (testing::file_exists(dir + "/model.tflite")) out->push_back(dir);
  DIR* d = opendir(dir.c_str());
  if (!d) return;
  std::vector<std::string> subs;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") subs.push_back(name);
  }
  closedir(d);
  std::sort(subs.begin(), subs.end());
  for (const std::string& s : subs) {
    std::string p = dir + "/" + s;
    struct stat st;
    if (stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) find_models(p, out);
  }
}

std::vector<std::string> core_models() {
  std::vector<std::string> dirs;
  std::string shared = testing::shared_dir();
  if (!shared.empty()) find_models(shared + "/conformance/core", &dirs);
  return dirs;
}

TEST(ModelLoad, EveryConformanceModelLoadsAndMatchesMeta) {
  std::vector<std::string> dirs = core_models();
  if (dirs.empty()) GTEST_SKIP() << "../shared/conformance is absent (set MOTE_SHARED_DIR): no real models to load";
  int checked_meta = 0;
  for (const std::string& dir : dirs) {
    SCOPED_TRACE(dir);
    AlignedModel m(testing::read_file(dir + "/model.tflite"));
    Model model;
    Error err;
    Status s = model.load(m.data(), m.size(), &err);
    EXPECT_EQ(s, Status::kOk) << err.message;
    if (s != Status::kOk) continue;
    EXPECT_EQ(model.schema_version(), 3u);
    EXPECT_GE(model.num_subgraphs(), 1);
    EXPECT_GT(model.num_ops(), 0);
    for (int o = 0; o < model.num_ops(); ++o) {
      OpView v = model.op(o);
      EXPECT_NE(builtin_op_name(v.builtin_code), nullptr) << "op " << o;
    }
    if (!testing::file_exists(dir + "/meta.json")) continue;
    std::vector<uint8_t> meta_bytes = testing::read_file(dir + "/meta.json");
    nlohmann::json meta = nlohmann::json::parse(meta_bytes.begin(), meta_bytes.end(), nullptr, false);
    if (meta.is_discarded() || !meta.contains("inputs") || !meta.contains("outputs")) continue;
    ASSERT_EQ(model.num_inputs(), static_cast<int>(meta["inputs"].size()));
    ASSERT_EQ(model.num_outputs(), static_cast<int>(meta["outputs"].size()));
    for (int io = 0; io < 2; ++io) {
      const nlohmann::json& list = meta[io == 0 ? "inputs" : "outputs"];
      for (size_t i = 0; i < list.size(); ++i) {
        const nlohmann::json& j = list[i];
        TensorInfo t = model.tensor(io == 0 ? model.input_tensor(static_cast<int>(i)) : model.output_tensor(static_cast<int>(i)));
        if (j.contains("bytes")) {
          EXPECT_EQ(t.bytes, j["bytes"].get<size_t>());
        }
        if (j.contains("dtype")) {
          std::string dt = j["dtype"].get<std::string>();
          std::transform(dt.begin(), dt.end(), dt.begin(), ::toupper);
          EXPECT_EQ(dt, type_name(t.type));
        }
        if (j.contains("shape")) {
          std::vector<int32_t> shape = j["shape"].get<std::vector<int32_t>>();
          ASSERT_EQ(t.shape.rank, static_cast<int32_t>(shape.size()));
          for (size_t d = 0; d < shape.size(); ++d) EXPECT_EQ(t.shape.dims[d], shape[d]);
        }
        if (j.contains("scale") && j["scale"].is_number() && j["scale"].get<double>() != 0.0) {
          EXPECT_FLOAT_EQ(t.scale, j["scale"].get<float>());
          EXPECT_EQ(t.zero_point, j["zero_point"].get<int32_t>());
        }
      }
    }
    ++checked_meta;
  }
  EXPECT_GT(checked_meta, 0);
}

TEST(ModelLoad, RealModelsCarryTheFileIdentifier) {
  std::string shared = testing::shared_dir();
  if (shared.empty()) GTEST_SKIP() << "../shared/conformance is absent";
  std::vector<uint8_t> real = testing::read_file(shared + "/conformance/core/hello_world_int8/model.tflite");
  ASSERT_GE(real.size(), 8u);
  EXPECT_EQ(std::string(real.begin() + 4, real.begin() + 8), "TFL3");
  ModelBuilder b;
  std::vector<uint8_t> built = b.finish();
  EXPECT_EQ(std::string(built.begin() + 4, built.begin() + 8), "TFL3");
}

// --- the builder ---------------------------------------------------------------------------------

TEST(ModelBuilder, EmptyGraphLoads) {
  ModelBuilder b;
  std::vector<uint8_t> bytes = b.finish();
  EXPECT_EQ(bytes.size() % 16, 0u);
  AlignedModel m(bytes);
  Model model;
  Error err;
  ASSERT_EQ(model.load(m.data(), m.size(), &err), Status::kOk) << err.message;
  EXPECT_EQ(model.num_tensors(), 0);
  EXPECT_EQ(model.num_ops(), 0);
  ASSERT_NE(model.description(), nullptr);
  EXPECT_STREQ(model.description(), "mote test model");
}

TEST(ModelBuilder, RoundTripsEveryField) {
  ModelBuilder b;
  b.set_description("round trip");
  int in = b.add_tensor(TensorType::kInt8, {1, 8, 8, 3}, Quant(0.5f, -1), "input");
  std::vector<int8_t> wv(4 * 3 * 3 * 3);
  for (size_t i = 0; i < wv.size(); ++i) wv[i] = static_cast<int8_t>(i * 7 - 100);
  int w = b.add_const_i8({4, 3, 3, 3}, wv, Quant::per_channel({0.1f, 0.2f, 0.3f, 0.4f}, 0), "weights");
  int bias = b.add_const_i32({4}, {1, -2, 300000, -4}, Quant::per_channel({0.05f, 0.1f, 0.15f, 0.2f}, 0));
  int out = b.add_tensor(TensorType::kInt8, {1, 8, 8, 4}, Quant(0.25f, 3), "out");
  int f = b.add_const_f32({2}, {1.5f, -2.25f});
  int s16 = b.add_tensor(TensorType::kInt16, {1, 8, 8, 4}, Quant(1.0f / 4096, 0));
  int var = b.add_variable(TensorType::kInt16, {1, 4}, Quant(0.125f, 0), "state");
  int i64 = b.add_const_i64({2}, {int64_t{1} << 40, -5});
  b.tensor(out).shape_signature = {-1, 8, 8, 4};
  int conv = b.add_op(BuiltinOp::CONV_2D, {in, w, bias}, {out}, Options::conv2d(Padding::kValid, 2, 3, Activation::kRelu6, 1, 2));
  int rs = b.add_op(BuiltinOp::RESHAPE, {out}, {s16}, Options::reshape({1, 256}));
  int q = b.add_op(BuiltinOp::QUANTIZE, {s16, -1}, {var}, Options(), 2);
  int big = b.add_op_code(150, {in}, {out});
  int cust = b.add_custom_op("MyOp", {in}, {out});
  b.set_inputs({in});
  b.set_outputs({out, var});
  std::vector<uint8_t> bytes = b.finish();

  AlignedModel m(bytes);
  Model model;
  Error err;
  ASSERT_EQ(model.load(m.data(), m.size(), &err), Status::kOk) << err.message;
  EXPECT_STREQ(model.description(), "round trip");
  ASSERT_EQ(model.num_tensors(), 8);
  ASSERT_EQ(model.num_ops(), 5);
  ASSERT_EQ(model.num_inputs(), 1);
  ASSERT_EQ(model.num_outputs(), 2);
  EXPECT_EQ(model.input_tensor(0), in);
  EXPECT_EQ(model.output_tensor(0), out);
  EXPECT_EQ(model.output_tensor(1), var);

  TensorInfo ti = model.tensor(in);
  EXPECT_EQ(ti.type, TensorType::kInt8);
  EXPECT_EQ(ti.shape.rank, 4);
  EXPECT_EQ(ti.shape.dims[1], 8);
  EXPECT_EQ(ti.shape.dims[3], 3);
  EXPECT_EQ(ti.bytes, 192u);
  EXPECT_FALSE(ti.is_constant());
  EXPECT_FLOAT_EQ(ti.scale, 0.5f);
  EXPECT_EQ(ti.zero_point, -1);
  EXPECT_STREQ(ti.name, "input");

  TensorInfo tw = model.tensor(w);
  ASSERT_TRUE(tw.is_constant());
  EXPECT_EQ(0, std::memcmp(tw.const_data, wv.data(), wv.size()));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(tw.const_data) % 16, 0u) << "constant data is 16-byte aligned";
  EXPECT_EQ(tw.num_scales, 4u);
  EXPECT_FLOAT_EQ(tw.scale_at(2), 0.3f);
  EXPECT_EQ(tw.zero_point_at(3), 0);
  EXPECT_EQ(tw.quantized_dimension, 0);

  TensorInfo tb = model.tensor(bias);
  EXPECT_EQ(tb.type, TensorType::kInt32);
  EXPECT_EQ(tb.const_at<int32_t>(2), 300000);
  EXPECT_EQ(tb.const_at<int32_t>(3), -4);
  EXPECT_FLOAT_EQ(model.tensor(f).const_at<float>(1), -2.25f);
  EXPECT_EQ(model.tensor(i64).const_at<int64_t>(0), int64_t{1} << 40);
  EXPECT_EQ(model.tensor(s16).type, TensorType::kInt16);
  EXPECT_FLOAT_EQ(model.tensor(s16).scale, 1.0f / 4096);
  EXPECT_TRUE(model.tensor(var).is_variable);
  EXPECT_FALSE(model.tensor(in).is_variable);
  EXPECT_STREQ(model.tensor(var).name, "state");
  EXPECT_STREQ(model.tensor(f).name, "t4");  // default names are t<index>

  OpView c = model.op(conv);
  EXPECT_EQ(c.builtin_code, 3);
  EXPECT_EQ(c.version, 1);
  ASSERT_EQ(c.num_inputs(), 3);
  EXPECT_EQ(c.input(1), w);
  EXPECT_EQ(c.output(0), out);
  ASSERT_TRUE(c.options.present());
  EXPECT_EQ(c.options.scalar<int8_t>(0, -1), static_cast<int8_t>(Padding::kValid));
  EXPECT_EQ(c.options.scalar<int32_t>(1, 0), 2);
  EXPECT_EQ(c.options.scalar<int32_t>(2, 0), 3);
  EXPECT_EQ(c.options.scalar<int8_t>(3, 0), static_cast<int8_t>(Activation::kRelu6));
  EXPECT_EQ(c.options.scalar<int32_t>(5, 0), 2);
  EXPECT_EQ(c.options.scalar<int32_t>(6, 77), 77) << "absent field gives the default";
  EXPECT_STREQ(c.name(), "CONV_2D");

  OpView r = model.op(rs);
  fb::Vector ns = r.options.vector(0, 4);
  ASSERT_TRUE(ns.present);
  ASSERT_EQ(ns.count, 2u);
  EXPECT_EQ(ns.at<int32_t>(1), 256);

  OpView qv = model.op(q);
  EXPECT_EQ(qv.builtin_code, 114);
  EXPECT_EQ(qv.version, 2);
  EXPECT_FALSE(qv.options.present());
  EXPECT_EQ(qv.input(1), -1);
  EXPECT_EQ(model.op(big).builtin_code, 150) << "codes above 127 use the extended builtin_code field";
  EXPECT_EQ(model.op(cust).builtin_code, kCustomOpCode);
  EXPECT_STREQ(model.op(cust).name(), "MyOp");

  // The recorded layout points at real tables.
  const testing::Layout& L = b.layout();
  EXPECT_EQ(testing::peek_u32(bytes, L.version_field), 3u);
  EXPECT_EQ(testing::peek_u32(bytes, 0), L.root_table);
  for (size_t t = 0; t < L.tensors.size(); ++t)
    EXPECT_TRUE(fb::Table::at(bytes.data(), bytes.size(), L.tensors[t]).present()) << t;
  EXPECT_EQ(0, std::memcmp(bytes.data() + L.buffer_data[b.tensor(w).buffer], wv.data(), wv.size()));
}

TEST(ModelBuilder, SharesOperatorCodesAndPicksOptionTypes) {
  ModelBuilder b;
  int a = b.add_tensor(TensorType::kFloat32, {4});
  int c = b.add_tensor(TensorType::kFloat32, {4});
  int d = b.add_tensor(TensorType::kFloat32, {4});
  b.add_op(BuiltinOp::ADD, {a, a}, {c}, Options::add(Activation::kRelu));
  b.add_op(BuiltinOp::ADD, {c, a}, {d}, Options::add());
  b.set_inputs({a});
  b.set_outputs({d});
  std::vector<uint8_t> bytes = b.finish();
  AlignedModel m(bytes);
  Model model;
  Error err;
  ASSERT_EQ(model.load(m.data(), m.size(), &err), Status::kOk) << err.message;
  // One OperatorCode shared by both ops; builtin_options_type 11 (AddOptions) on each.
  const testing::Layout& L = b.layout();
  EXPECT_EQ(L.operator_codes.size(), 1u);
  for (size_t o = 0; o < 2; ++o) {
    fb::Table op = fb::Table::at(bytes.data(), bytes.size(), L.operators[o]);
    EXPECT_EQ(op.scalar<uint32_t>(0, 99), 0u);
    EXPECT_EQ(op.scalar<uint8_t>(3, 0), 11);
  }
  EXPECT_EQ(testing::options_type_for(3), 1);
  EXPECT_EQ(testing::options_type_for(98), 75);
  EXPECT_EQ(testing::options_type_for(114), 89);
  EXPECT_EQ(testing::options_type_for(19), 0);  // RELU has no options
}

// --- a real model, rebuilt field by field with the builder, runs to the golden outputs ----------

// Copies subgraph 0 of `model` into a builder (tensors, constants, quantization, ops, options of
// the FULLY_CONNECTED kind: five 1-byte fields).
std::vector<uint8_t> rebuild(const Model& model) {
  ModelBuilder b;
  for (int32_t t = 0; t < model.num_tensors(); ++t) {
    TensorInfo ti = model.tensor(t);
    std::vector<int32_t> shape(ti.shape.dims, ti.shape.dims + ti.shape.rank);
    Quant q;
    for (uint32_t k = 0; k < ti.num_scales; ++k) {
      q.scales.push_back(ti.scale_at(k));
      q.zero_points.push_back(ti.zero_point_at(k));
    }
    q.quantized_dimension = ti.quantized_dimension;
    std::string name = ti.name ? ti.name : "";
    int idx;
    if (ti.is_constant()) idx = b.add_const_raw(ti.type, shape, std::vector<uint8_t>(ti.const_data, ti.const_data + ti.bytes), q, name);
    else idx = b.add_tensor(ti.type, shape, q, name);
    EXPECT_EQ(idx, t);
  }
  for (int o = 0; o < model.num_ops(); ++o) {
    OpView v = model.op(o);
    std::vector<int32_t> ins, outs;
    for (int i = 0; i < v.num_inputs(); ++i) ins.push_back(v.input(i));
    for (int i = 0; i < v.num_outputs(); ++i) outs.push_back(v.output(i));
    Options opt;
    if (v.options.present())
      for (int id = 0; id < 5; ++id)
        if (v.options.field_offset(id) != 0) opt.i8(id, v.options.scalar<int8_t>(id, 0));
    b.add_op_code(v.builtin_code, ins, outs, opt, v.version);
  }
  std::vector<int32_t> ins, outs;
  for (int i = 0; i < model.num_inputs(); ++i) ins.push_back(model.input_tensor(i));
  for (int i = 0; i < model.num_outputs(); ++i) outs.push_back(model.output_tensor(i));
  b.set_inputs(ins);
  b.set_outputs(outs);
  return b.finish();
}

TEST(ModelBuilder, RebuiltHelloWorldRunsToGoldenOutputs) {
  std::string shared = testing::shared_dir();
  if (shared.empty()) GTEST_SKIP() << "../shared/conformance is absent";
  const std::string dir = shared + "/conformance/core/hello_world_int8";
  AlignedModel orig(testing::read_file(dir + "/model.tflite"));
  Model original;
  Error err;
  ASSERT_EQ(original.load(orig.data(), orig.size(), &err), Status::kOk) << err.message;
  std::vector<uint8_t> bytes = rebuild(original);
  AlignedModel m(bytes);
  Model model;
  ASSERT_EQ(model.load(m.data(), m.size(), &err), Status::kOk) << err.message;
  ASSERT_EQ(model.num_ops(), 3);

  OpResolver resolver;
  ASSERT_EQ(resolver.add(op_fully_connected()), Status::kOk);
  alignas(16) static uint8_t arena[16384];
  Interpreter interp;
  ASSERT_EQ(interp.prepare(model, resolver, arena, sizeof(arena), &err), Status::kOk) << err.message;
  for (int k = 0; k < 3; ++k) {
    std::vector<uint8_t> in = testing::read_file(dir + "/input_" + std::to_string(k) + "_0.bin");
    std::vector<uint8_t> golden = testing::read_file(dir + "/output_" + std::to_string(k) + "_0.bin");
    TensorRef ti = interp.input(0);
    ASSERT_EQ(ti.bytes, in.size());
    std::memcpy(ti.data, in.data(), in.size());
    ASSERT_EQ(interp.invoke(&err), Status::kOk) << err.message;
    TensorRef to = interp.output(0);
    ASSERT_EQ(to.bytes, golden.size());
    EXPECT_EQ(0, std::memcmp(to.data, golden.data(), golden.size())) << "sample " << k;
  }
}

}  // namespace
}  // namespace mote
