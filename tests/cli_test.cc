// The `mote` command line, run as a separate process (MOTE_CLI_PATH): exit statuses, the one-line
// error contract, inspect's JSON against the conformance metadata and the anchors table, run's
// outputs against the golden bytes, bench's output. Also the host pieces the commands rest on:
// the conformance input generator and the model report.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/error.h"
#include "host/files.h"
#include "host/inputs.h"
#include "host/npy.h"
#include "host/report.h"
#include "host/session.h"
#include "runtime/op_resolver.h"
#include "tests/support/cli_runner.h"
#include "tests/support/test_support.h"

namespace {

using nlohmann::json;

using mote::testing::CliResult;
using mote::testing::expect_one_line_error;

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "cli_test_" + std::to_string(::getpid()) + "_" + name;
}

CliResult mote(const std::vector<std::string>& args) { return mote::testing::run_mote(args); }

std::string model_dir(const std::string& shared, const std::string& name) {
  for (const char* group : {"core", "stateful"}) {
    std::string d = shared + "/conformance/" + group + "/" + name;
    if (mote::testing::file_exists(d + "/model.tflite")) return d;
  }
  return {};
}

#define REQUIRE_SHARED(var)                                                                         \
  const std::string var = mote::testing::shared_dir();                                              \
  if (var.empty()) {                                                                                \
    GTEST_SKIP() << "../shared not found (set MOTE_SHARED_DIR): conformance data needed";          \
  }                                                                                                 \
  static_assert(true, "")

json inspect_json(const std::string& model) {
  CliResult r = mote({"inspect", "--json", model});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  return json::parse(r.out, nullptr, false);
}

// ---- basics -------------------------------------------------------------------------------------

TEST(Cli, VersionAndHelp) {
  CliResult v = mote({"--version"});
  EXPECT_EQ(v.status, 0);
  EXPECT_EQ(v.out, "mote 0.1.0\n");
  CliResult h = mote({"--help"});
  EXPECT_EQ(h.status, 0);
  for (const char* cmd : {"inspect", "run", "bench"}) EXPECT_NE(h.out.find(cmd), std::string::npos) << h.out;
  CliResult bh = mote({"bench", "--help"});
  EXPECT_EQ(bh.status, 0);
  EXPECT_NE(bh.out.find("[-1, 1)"), std::string::npos) << "bench help must state the default float range";
  EXPECT_NE(bh.out.find("--iterations"), std::string::npos);
}

TEST(Cli, UsageErrorsExitWithStatus2) {
  expect_one_line_error(mote({}), 2, "a command is required");
  expect_one_line_error(mote({"frobnicate"}), 2, "unknown command 'frobnicate'");
  expect_one_line_error(mote({"inspect"}), 2, "MODEL is required");
  expect_one_line_error(mote({"inspect", "a.tflite", "--bogus"}), 2, "--bogus");
  expect_one_line_error(mote({"bench", "a.tflite", "--iterations", "0"}), 2, "--iterations");
  expect_one_line_error(mote({"bench", "a.tflite", "--iterations", "many"}), 2, "--iterations");
}

TEST(Cli, FileErrorsNameTheFile) {
  const std::string missing = temp_path("does_not_exist.tflite");
  expect_one_line_error(mote({"inspect", missing}), 1, missing + ": cannot open: No such file or directory");
  const std::string empty = temp_path("empty.tflite");
  mote::host::write_file(empty, "", 0);
  expect_one_line_error(mote({"inspect", empty}), 1, empty + ": file is empty");
  const std::string junk = temp_path("junk.tflite");
  const std::string text = "this is not a flatbuffer, just some text long enough";
  mote::host::write_file(junk, text.data(), text.size());
  expect_one_line_error(mote({"inspect", junk}), 1, junk + ": not a valid model");
  expect_one_line_error(mote({"run", junk, "-i", "a.bin", "-o", "b.bin"}), 1, junk + ": not a valid model");
  expect_one_line_error(mote({"inspect", ::testing::TempDir()}), 1, "is a directory");
  std::remove(empty.c_str());
  std::remove(junk.c_str());
}

// ---- inspect ------------------------------------------------------------------------------------

TEST(CliInspect, KwsJsonHasTheRequiredKeysAndFigures) {
  REQUIRE_SHARED(shared);
  const std::string dir = shared + "/conformance/core/kws_ref_model";
  json meta = json::parse(slurp(dir + "/meta.json"));
  json j = inspect_json(dir + "/model.tflite");
  ASSERT_TRUE(j.is_object());
  for (const char* key : {"arena_bytes", "macs", "ops", "inputs", "outputs", "tensors", "layers", "weight_bytes", "arena"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["macs"].get<uint64_t>(), 2656768u);
  ASSERT_TRUE(j["arena_bytes"].is_number());
  EXPECT_LE(j["arena_bytes"].get<uint64_t>(), meta["tflm_arena_used_bytes"].get<uint64_t>());
  EXPECT_EQ(j["arena"]["known"], true);
  EXPECT_EQ(j["arena"]["total_bytes"], j["arena_bytes"]);
  EXPECT_GE(j["arena"]["activation_bytes"].get<uint64_t>(), j["arena"]["activation_lower_bound"].get<uint64_t>());
  // The arena split adds up: max(activations, workspace) rounded to 8, + tables + op data.
  uint64_t act = std::max(j["arena"]["activation_bytes"].get<uint64_t>(), j["arena"]["workspace_bytes"].get<uint64_t>());
  EXPECT_EQ((act + 7) / 8 * 8 + j["arena"]["table_bytes"].get<uint64_t>() + j["arena"]["op_data_bytes"].get<uint64_t>(),
            j["arena_bytes"].get<uint64_t>());

  // Ops and counts agree with the conformance metadata; all supported.
  std::map<std::string, int> ops;
  for (const json& o : j["ops"]) {
    ops[o["name"].get<std::string>()] = o["count"].get<int>();
    EXPECT_EQ(o["supported"], true) << o.dump();
  }
  std::map<std::string, int> want = meta["ops"].get<std::map<std::string, int>>();
  EXPECT_EQ(ops, want);

  ASSERT_EQ(j["inputs"].size(), 1u);
  EXPECT_EQ(j["inputs"][0]["type"], "int8");
  EXPECT_EQ(j["inputs"][0]["shape"], json({1, 49, 10, 1}));
  EXPECT_EQ(j["inputs"][0]["bytes"], 490);
  EXPECT_EQ(j["inputs"][0]["zero_point"], 83);
  EXPECT_NEAR(j["inputs"][0]["scale"].get<double>(), 0.584702909, 1e-7);
  ASSERT_EQ(j["outputs"].size(), 1u);
  EXPECT_EQ(j["outputs"][0]["tensor"], 34);
  EXPECT_EQ(j["outputs"][0]["shape"], json({1, 12}));

  // Layers: per-layer MACs sum to the total; the first conv is 25*5*64 outputs x 10*4*1 taps.
  ASSERT_EQ(j["layers"].size(), 13u);
  uint64_t sum = 0;
  for (const json& l : j["layers"]) sum += l["macs"].get<uint64_t>();
  EXPECT_EQ(sum, 2656768u);
  EXPECT_EQ(j["layers"][0]["op"], "CONV_2D");
  EXPECT_EQ(j["layers"][0]["macs"], 25 * 5 * 64 * 10 * 4);
  EXPECT_EQ(j["layers"][1]["macs"], 25 * 5 * 64 * 3 * 3);  // depthwise
  EXPECT_EQ(j["layers"][11]["macs"], 12 * 64);              // fully connected

  // Tensors: count from meta, per-channel weights reported as such, weight bytes = constant bytes.
  ASSERT_EQ(j["tensors"].size(), 35u);
  uint64_t constant_bytes = 0;
  int per_channel = 0;
  for (const json& t : j["tensors"]) {
    if (t["kind"] == "constant") constant_bytes += t["bytes"].get<uint64_t>();
    if (t["quantization"].is_object() && t["quantization"].contains("per_channel")) ++per_channel;
  }
  EXPECT_EQ(per_channel, meta["per_channel_quantized_tensors"].get<int>());
  EXPECT_EQ(j["weight_bytes"].get<uint64_t>(), constant_bytes);
  EXPECT_EQ(j["tensors"][17]["shape"], json({64, 10, 4, 1}));
  EXPECT_EQ(j["tensors"][17]["bytes"], 2560);
}

TEST(CliInspect, KwsTextShowsTheTables) {
  REQUIRE_SHARED(shared);
  CliResult r = mote({"inspect", shared + "/conformance/core/kws_ref_model/model.tflite"});
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* part : {"ops: 13 in 6 kinds, all supported", "DEPTHWISE_CONV_2D      4", "total MACs: 2,656,768",
                           "arena: ", "lower bound", "weights: ", "per-channel x64", "scale 0.584703 zp 83"})
    EXPECT_NE(r.out.find(part), std::string::npos) << "missing \"" << part << "\" in:\n" << r.out;
}

// MACs of every model in the anchors table (../shared/anchors.md) and arena at most TFLM's.
TEST(CliInspect, MacsMatchTheAnchorsTable) {
  REQUIRE_SHARED(shared);
  std::ifstream f(shared + "/anchors.md");
  ASSERT_TRUE(f) << "anchors.md missing";
  std::string line;
  bool in_table = false;
  int checked = 0;
  while (std::getline(f, line)) {
    if (line.rfind("| model | MACs | arena bytes", 0) == 0) {
      in_table = true;
      continue;
    }
    if (!in_table) continue;
    if (line.empty() || line[0] != '|') break;
    if (line.rfind("| ---", 0) == 0) continue;
    std::vector<std::string> cells;
    std::stringstream ss(line.substr(1));
    std::string cell;
    while (std::getline(ss, cell, '|')) cells.push_back(cell.substr(cell.find_first_not_of(' ')));
    ASSERT_GE(cells.size(), 3u) << line;
    const std::string name = cells[0].substr(0, cells[0].find(' '));
    std::string macs_text, arena_text;
    for (char c : cells[1]) if (isdigit(static_cast<unsigned char>(c))) macs_text += c;
    for (char c : cells[2]) if (isdigit(static_cast<unsigned char>(c))) arena_text += c;
    const std::string dir = model_dir(shared, name);
    ASSERT_FALSE(dir.empty()) << "no conformance model for anchors row " << name;
    SCOPED_TRACE(name);
    json j = inspect_json(dir + "/model.tflite");
    ASSERT_TRUE(j.is_object()) << name;
    if (j["arena_bytes"].is_number()) {
      EXPECT_LE(j["arena_bytes"].get<uint64_t>(), std::stoull(arena_text)) << "arena above TensorFlow Lite Micro's";
    }
    if (macs_text.empty()) continue;  // "—": no MAC figure for SVDF / LSTM / signal models
    uint64_t want = std::stoull(macs_text);
    if (name.rfind("hello_world", 0) == 0) {
      // Known disagreement: the table says 336, but these models are three FULLY_CONNECTED layers
      // with weights [16, 1], [16, 16], [1, 16] = 16 + 256 + 16 = 288 MACs by the same formula that
      // reproduces every other row exactly (ad01: ten FC layers, 264,192). Keep checking both
      // figures so a correction of the table is noticed.
      EXPECT_EQ(want, 336u) << "anchors table changed: remove this exception";
      EXPECT_EQ(j["macs"].get<uint64_t>(), 288u);
      ++checked;
      continue;
    }
    EXPECT_EQ(j["macs"].get<uint64_t>(), want);
    ++checked;
  }
  EXPECT_GE(checked, 9) << "anchors table not found or changed shape";
}

TEST(CliInspect, UnsupportedOpStillReportsEverythingElse) {
  REQUIRE_SHARED(shared);
  const std::string model = shared + "/conformance/stateful/keyword_scrambled_8bit/model.tflite";
  CliResult r = mote({"inspect", model});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("arena: unknown (op 1 (SVDF)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("UNSUPPORTED"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("SVDF (unsupported)"), std::string::npos) << r.out;
  json j = inspect_json(model);
  ASSERT_TRUE(j.is_object());
  EXPECT_TRUE(j["arena_bytes"].is_null());
  EXPECT_EQ(j["arena"]["known"], false);
  EXPECT_NE(j["arena"]["error"].get<std::string>().find("SVDF"), std::string::npos);
  bool saw_svdf = false;
  for (const json& o : j["ops"])
    if (o["name"] == "SVDF") {
      saw_svdf = true;
      EXPECT_EQ(o["supported"], false);
      EXPECT_EQ(o["count"], 7);
    }
  EXPECT_TRUE(saw_svdf);
  EXPECT_EQ(j["inputs"][0]["type"], "int16");
  EXPECT_GT(j["macs"].get<uint64_t>(), 0u);  // the FULLY_CONNECTED layers still count
}

// ---- run ----------------------------------------------------------------------------------------

void expect_run_matches_golden(const std::string& dir, int k) {
  const std::string out = temp_path("out.bin");
  CliResult r = mote({"run", dir + "/model.tflite", "--input", dir + "/input_" + std::to_string(k) + "_0.bin", "--output", out});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  std::string got = slurp(out), want = slurp(dir + "/output_" + std::to_string(k) + "_0.bin");
  ASSERT_FALSE(want.empty());
  EXPECT_EQ(got, want) << dir << " sample " << k;
  std::remove(out.c_str());
}

TEST(CliRun, OutputsEqualTheGoldenBytes) {
  REQUIRE_SHARED(shared);
  for (int k = 0; k < 3; ++k) {
    expect_run_matches_golden(shared + "/conformance/core/hello_world_int8", k);
    expect_run_matches_golden(shared + "/conformance/core/kws_ref_model", k);
  }
}

TEST(CliRun, NpyInputsAndOutputs) {
  REQUIRE_SHARED(shared);
  const std::string dir = shared + "/conformance/core/kws_ref_model";
  const std::vector<uint8_t> in = mote::testing::read_file(dir + "/input_0_0.bin");
  const std::vector<uint8_t> golden = mote::testing::read_file(dir + "/output_0_0.bin");
  ASSERT_EQ(in.size(), 490u);

  // int8 .npy with the size-1 dims dropped: (49, 10) fits [1, 49, 10, 1].
  mote::host::NpyArray a;
  a.dtype = mote::host::NpyDtype::kInt8;
  a.shape = {49, 10};
  a.data = in;
  const std::string in_npy = temp_path("in.npy"), out_npy = temp_path("out.npy"), out_f32 = temp_path("out.f32.npy");
  mote::host::write_npy(in_npy, a);
  CliResult r = mote({"run", dir + "/model.tflite", "-i", in_npy, "-o", out_npy});
  ASSERT_EQ(r.status, 0) << r.err;
  mote::host::NpyArray o = mote::host::read_npy(out_npy);
  EXPECT_EQ(o.dtype, mote::host::NpyDtype::kInt8);
  EXPECT_EQ(o.shape, (std::vector<int64_t>{1, 12}));
  EXPECT_EQ(o.data, golden);

  // float32 .npy for the int8 input: quantized with scale 0.584702909, zero point 83. Values that
  // sit exactly on the quantization grid come back as the same int8 bytes.
  const float scale = 0.584702909f;
  mote::host::NpyArray fa;
  fa.dtype = mote::host::NpyDtype::kFloat32;
  fa.shape = {1, 49, 10, 1};
  fa.data.resize(490 * 4);
  for (size_t n = 0; n < 490; ++n) {
    float v = scale * static_cast<float>(static_cast<int8_t>(in[n]) - 83);
    std::memcpy(fa.data.data() + 4 * n, &v, 4);
  }
  mote::host::write_npy(in_npy, fa);
  r = mote({"run", dir + "/model.tflite", "-i", in_npy, "-o", out_f32});
  ASSERT_EQ(r.status, 0) << r.err;
  mote::host::NpyArray of = mote::host::read_npy(out_f32);
  ASSERT_EQ(of.dtype, mote::host::NpyDtype::kFloat32);
  ASSERT_EQ(of.elements(), 12u);
  for (size_t n = 0; n < 12; ++n)  // dequantized: 0.00390625 * (q + 128)
    EXPECT_EQ(of.as<float>()[n], 0.00390625f * static_cast<float>(static_cast<int8_t>(golden[n]) + 128)) << n;

  // Wrong dtype and wrong shape: one-line errors naming the file and the tensor.
  mote::host::NpyArray bad = a;
  bad.dtype = mote::host::NpyDtype::kInt16;
  bad.data.resize(980);
  mote::host::write_npy(in_npy, bad);
  expect_one_line_error(mote({"run", dir + "/model.tflite", "-i", in_npy, "-o", out_npy}), 1,
                        in_npy + ": dtype <i2 does not match input 0 (tensor 0 \"input_1\", INT8 [1, 49, 10, 1])");
  bad = a;
  bad.shape = {10, 49};
  mote::host::write_npy(in_npy, bad);
  expect_one_line_error(mote({"run", dir + "/model.tflite", "-i", in_npy, "-o", out_npy}), 1,
                        in_npy + ": shape (10, 49) does not match input 0");
  for (const std::string& p : {in_npy, out_npy, out_f32}) std::remove(p.c_str());
}

TEST(CliRun, ErrorPaths) {
  REQUIRE_SHARED(shared);
  const std::string dir = shared + "/conformance/core/kws_ref_model";
  const std::string model = dir + "/model.tflite", in = dir + "/input_0_0.bin", out = temp_path("err_out.bin");
  const std::string missing = temp_path("missing_input.bin");
  expect_one_line_error(mote({"run", model, "-i", missing, "-o", out}), 1, missing + ": cannot open");
  expect_one_line_error(mote({"run", model, "-i", in, "-i", in, "-o", out}), 2, "has 1 input, but 2 --input files were given");
  expect_one_line_error(mote({"run", model, "-o", out}), 2, "has 1 input, but 0 --input files were given");
  expect_one_line_error(mote({"run", model, "-i", in}), 2, "has 1 output, but 0 --output files were given");
  expect_one_line_error(mote({"run", model, "-i", dir + "/output_0_0.bin", "-o", out}), 1,
                        "output_0_0.bin: 12 bytes, but input 0 (tensor 0 \"input_1\", INT8 [1, 49, 10, 1]) needs 490");
  expect_one_line_error(mote({"run", model, "-i", in, "-o", temp_path("out.txt")}), 1, "out.txt: unknown file kind");
  expect_one_line_error(mote({"run", model, "-i", in, "-o", "/nonexistent/dir/out.bin"}), 1,
                        "/nonexistent/dir/out.bin: cannot create");
  const std::string model16 = shared + "/conformance/stateful/keyword_scrambled_8bit/model.tflite";
  expect_one_line_error(mote({"run", model16, "-i", in, "-o", out}), 1, "SVDF");
  std::remove(out.c_str());
}

// ---- bench --------------------------------------------------------------------------------------

TEST(CliBench, JsonProfileOfKws) {
  REQUIRE_SHARED(shared);
  const std::string model = shared + "/conformance/core/kws_ref_model/model.tflite";
  CliResult r = mote({"bench", model, "--iterations", "3", "--warmup", "1", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  json j = json::parse(r.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << r.out;
  EXPECT_EQ(j["iterations"], 3);
  EXPECT_EQ(j["warmup"], 1);
  EXPECT_EQ(j["macs"], 2656768);
  EXPECT_EQ(j["inputs"]["generated"], true);
  EXPECT_EQ(j["inputs"]["sample"], 0);
  EXPECT_GT(j["invoke_us_median"].get<double>(), 0.0);
  EXPECT_LE(j["invoke_us_min"].get<double>(), j["invoke_us_median"].get<double>());
  ASSERT_EQ(j["layers"].size(), 13u);
  double pct = 0;
  for (const json& l : j["layers"]) pct += l["percent"].get<double>();
  EXPECT_NEAR(pct, 100.0, 1e-6);
  EXPECT_EQ(j["layers"][0]["op"], "CONV_2D");
  EXPECT_EQ(j["layers"][0]["macs"], 320000);
}

TEST(CliBench, TextTableAndInputFiles) {
  REQUIRE_SHARED(shared);
  const std::string dir = shared + "/conformance/core/hello_world_int8";
  CliResult r = mote({"bench", dir + "/model.tflite", "-n", "2", "-i", dir + "/input_1_0.bin"});
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* part : {"invoke: ", "µs median", "FULLY_CONNECTED", "inputs: from files", "sum of layer medians"})
    EXPECT_NE(r.out.find(part), std::string::npos) << "missing \"" << part << "\" in:\n" << r.out;
  expect_one_line_error(mote({"bench", dir + "/model.tflite", "-i", shared + "/conformance/core/kws_ref_model/output_0_0.bin"}),
                        1, "output_0_0.bin: 12 bytes, but input 0 (tensor 0 \"serving_default_dense_input:0\", INT8 [1, 1]) needs 1");
  expect_one_line_error(mote({"bench", dir + "/model.tflite", "-i", dir + "/input_0_0.bin", "-i", dir + "/input_1_0.bin"}), 2,
                        "has 1 input(s), but 2 --input file(s)");
}

// ---- host pieces under the commands -------------------------------------------------------------

TEST(HostInputs, GeneratorMatchesTheReadmeAndTheGoldenInputs) {
  EXPECT_EQ(mote::host::fmix32(1), 0x514e28b7u);
  std::vector<uint8_t> s = mote::host::generate_input(mote::TensorType::kInt8, 8, 0, 0);
  const int8_t want[] = {31, -85, -115, -98, -25, 117, 92, 48};
  for (int n = 0; n < 8; ++n) EXPECT_EQ(static_cast<int8_t>(s[n]), want[n]) << n;
  EXPECT_THROW(mote::host::generate_input(mote::TensorType::kInt64, 4, 0, 0), mote::host::HostError);

  REQUIRE_SHARED(shared);
  struct Case {
    const char* model;
    mote::TensorType type;
    size_t count;
    mote::host::FloatRange range;
  };
  const Case cases[] = {
      {"core/kws_ref_model", mote::TensorType::kInt8, 490, {}},
      {"core/hello_world_float", mote::TensorType::kFloat32, 1, {0.0, 6.283185307179586}},
      {"core/ad01_fp32", mote::TensorType::kFloat32, 640, {-84.85, 14.86}},
      {"stateful/keyword_scrambled_8bit", mote::TensorType::kInt16, 96, {}},
  };
  for (const Case& c : cases) {
    for (int k = 0; k < 3; ++k) {
      const std::string file = shared + "/conformance/" + c.model + "/input_" + std::to_string(k) + "_0.bin";
      EXPECT_EQ(mote::host::generate_input(c.type, c.count, k, 0, c.range), mote::testing::read_file(file)) << file;
    }
  }
  // The test-support wrappers give the same bytes.
  EXPECT_EQ(mote::testing::generate_int_input(1, 0, 490, 1),
            mote::testing::read_file(shared + "/conformance/core/kws_ref_model/input_1_0.bin"));
  EXPECT_EQ(mote::testing::generate_int_input(2, 0, 96, 2),
            mote::testing::read_file(shared + "/conformance/stateful/keyword_scrambled_8bit/input_2_0.bin"));
  std::vector<float> f = mote::testing::generate_float_input(0, 0, 640, -84.85, 14.86);
  std::vector<uint8_t> fb(f.size() * 4);
  std::memcpy(fb.data(), f.data(), fb.size());
  EXPECT_EQ(fb, mote::testing::read_file(shared + "/conformance/core/ad01_fp32/input_0_0.bin"));
}

TEST(HostReport, ReportAgreesWithThePreparedInterpreter) {
  REQUIRE_SHARED(shared);
  const std::string model = shared + "/conformance/core/kws_ref_model/model.tflite";
  mote::host::Session s(model);  // arena allocated at exactly the planned size
  mote::OpResolver resolver;
  mote::register_all_ops(&resolver);
  mote::host::ModelReport r = mote::host::make_report(s.model(), resolver);
  ASSERT_TRUE(r.arena.known) << r.arena.error;
  EXPECT_EQ(r.arena.plan.total_bytes, s.plan().total_bytes);
  EXPECT_EQ(r.arena.plan.activation_bytes, s.plan().activation_bytes);
  EXPECT_EQ(r.macs, 2656768u);
  // Generated sample 0 run through the session gives the golden output 0.
  mote::host::fill_generated_inputs(s.interp(), 0);
  s.invoke();
  mote::TensorRef out = s.interp().output(0);
  const uint8_t* p = static_cast<const uint8_t*>(out.data);
  EXPECT_EQ(std::vector<uint8_t>(p, p + out.bytes),
            mote::testing::read_file(shared + "/conformance/core/kws_ref_model/output_0_0.bin"));
}

}  // namespace
