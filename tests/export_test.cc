// `mote export` (host/export.h, cli/cmd_export.cc):
//   - SHA-256 against the FIPS 180-4 examples and sha256sum at the padding boundaries;
//   - C identifier rules; the 32-bit arena formula against an independent table count;
//   - the generated files for a small built model: header line, the array's bytes, shapes, types,
//     scales (exact float literals), zero points, labels (escaped), exactly the model's ops,
//     deterministic output;
//   - errors: unsupported op (named, with its index), op that refuses the model, bad name, labels
//     that do not match output 0, inputs that do not fit, unwritable output directory; the CLI's
//     exit statuses and one-line messages;
//   - the generated files compile with -Wall -Wextra -Werror on the host (and run: the example
//     firmware bench_main.cc with a stdout board gives the host interpreter's output and arena),
//     and for Cortex-M4F when arm-none-eabi-g++ is installed.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "host/error.h"
#include "host/export.h"
#include "host/files.h"
#include "host/inputs.h"
#include "runtime/interpreter.h"
#include "runtime/op_resolver.h"
#include "tests/support/model_builder.h"
#include "tests/support/test_support.h"

namespace {

namespace fs = std::filesystem;
using mote::TensorType;
using mote::host::ExportOptions;
using mote::host::ExportResult;
using mote::host::HostError;
using mote::testing::ModelBuilder;
using mote::testing::Options;
using mote::testing::Quant;

fs::path source_root() { return fs::path(__FILE__).parent_path().parent_path(); }
// <build>/cli/mote -> <build>
fs::path build_root() { return fs::path(MOTE_CLI_PATH).parent_path().parent_path(); }

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void spit(const fs::path& p, const std::string& s) {
  std::ofstream out(p, std::ios::binary);
  out << s;
}

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

bool have_tool(const std::string& tool) { return std::system(("command -v " + tool + " >/dev/null 2>&1").c_str()) == 0; }

struct Result {
  int status = -1;
  std::string out, err;
};

// Runs `cmd` in `dir` with sh, capturing stdout and stderr.
Result run(const std::string& cmd, const fs::path& dir) {
  const fs::path out = dir / "cmd.out", err = dir / "cmd.err";
  const int raw = std::system(("cd " + quote(dir.string()) + " && (" + cmd + ") >" + quote(out.string()) + " 2>" +
                               quote(err.string()) + " </dev/null").c_str());
  Result r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

// A fresh directory per test.
fs::path temp_dir(const std::string& name) {
  fs::path d = fs::path(::testing::TempDir()) / ("export_test_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// int8 FULLY_CONNECTED [1,2] x [3,2] -> [1,3], then SOFTMAX: two op kinds, per-tensor quantization.
std::vector<uint8_t> small_model(bool with_svdf = false) {
  ModelBuilder b;
  int in = b.add_tensor(TensorType::kInt8, {1, 2}, Quant(0.5f, -1), "in\"put*/");
  int w = b.add_const_i8({3, 2}, {1, -2, 3, -4, 5, -6}, Quant(0.25f, 0), "w");
  int bias = b.add_const_i32({3}, {10, -20, 30}, Quant(0.125f, 0), "b");
  int fc = b.add_tensor(TensorType::kInt8, {1, 3}, Quant(0.1f, 2), "fc");
  int out = b.add_tensor(TensorType::kInt8, {1, 3}, Quant(1.0f / 256.0f, -128), "probs");
  b.add_op(mote::BuiltinOp::FULLY_CONNECTED, {in, w, bias}, {fc}, Options::fully_connected());
  if (with_svdf) {
    int s = b.add_tensor(TensorType::kInt8, {1, 3}, Quant(0.1f, 2), "svdf");
    b.add_op_code(27, {fc}, {s});
    b.add_op(mote::BuiltinOp::SOFTMAX, {s}, {out}, Options::softmax(1.0f));
  } else {
    b.add_op(mote::BuiltinOp::SOFTMAX, {fc}, {out}, Options::softmax(1.0f));
  }
  b.set_inputs({in});
  b.set_outputs({out});
  return b.finish();
}

fs::path write_model(const fs::path& dir, const std::vector<uint8_t>& bytes, const std::string& name = "small.tflite") {
  fs::path p = dir / name;
  spit(p, std::string(bytes.begin(), bytes.end()));
  return p;
}

std::string file_of(const ExportResult& r, const std::string& name) {
  for (const auto& f : r.files)
    if (f.name == name) return f.contents;
  ADD_FAILURE() << "no generated file " << name;
  return {};
}

std::string expect_error(const ExportOptions& o) {
  try {
    mote::host::export_model(o);
  } catch (const HostError& e) {
    return e.what();
  }
  ADD_FAILURE() << "export of " << o.model_path << " did not fail";
  return {};
}

// The bytes listed in "NAME_model[...] = { 0x.., ... };".
std::vector<uint8_t> array_bytes(const std::string& cc, const std::string& array) {
  size_t start = cc.find(array + "[");
  start = cc.find('{', start);
  size_t end = cc.find("};", start);
  std::vector<uint8_t> v;
  std::regex hex("0x([0-9a-f]{2})");
  std::string body = cc.substr(start, end - start);
  for (auto it = std::sregex_iterator(body.begin(), body.end(), hex); it != std::sregex_iterator(); ++it)
    v.push_back(static_cast<uint8_t>(std::stoul((*it)[1].str(), nullptr, 16)));
  return v;
}

// "inline constexpr <type> <name> = <value>;" -> value text.
std::string constant(const std::string& h, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(h, m, std::regex(" " + name + " = ([^;]+);"))) return "<missing " + name + ">";
  return m[1].str();
}

// ---------------------------------------------------------------------------------------------

TEST(Sha256, FipsExamples) {
  auto h = [](const std::string& s) { return mote::host::sha256_hex(reinterpret_cast<const uint8_t*>(s.data()), s.size()); };
  EXPECT_EQ(h(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(h("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(h("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(h("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  EXPECT_EQ(h(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, PaddingBoundariesAgreeWithSha256sum) {
  if (!have_tool("sha256sum")) GTEST_SKIP() << "sha256sum (coreutils) not installed";
  const fs::path dir = temp_dir("sha");
  for (size_t n : {1u, 55u, 56u, 57u, 63u, 64u, 65u, 119u, 120u, 127u, 128u, 129u, 1000u}) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + 7) & 0xff);
    spit(dir / "data", s);
    Result r = run("sha256sum " + quote((dir / "data").string()), dir);
    ASSERT_EQ(r.status, 0);
    EXPECT_EQ(r.out.substr(0, 64), mote::host::sha256_hex(reinterpret_cast<const uint8_t*>(s.data()), n)) << n << " bytes";
  }
}

TEST(CIdentifier, AcceptsAndRefuses) {
  std::string why;
  for (const char* ok : {"kws", "_kws", "model_1", "A", "person_detect_int8", "x9"})
    EXPECT_TRUE(mote::host::is_c_identifier(ok, &why)) << ok << ": " << why;
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"", "empty"},
      {"1model", "starts with a letter"},
      {"my-model", "'-' is not allowed"},
      {"my model", "' ' is not allowed"},
      {"caf\xc3\xa9", "is not allowed"},
      {"int", "keyword"},
      {"class", "keyword"},
      {"constexpr", "keyword"},
      {"__model", "\"__\""},
      {"a__b", "\"__\""},
      {"_Model", "capital"},
  };
  for (const auto& [name, part] : bad) {
    why.clear();
    EXPECT_FALSE(mote::host::is_c_identifier(name, &why)) << name;
    EXPECT_NE(why.find(part), std::string::npos) << name << ": " << why;
  }
}

TEST(ArenaForPointerSize, TablesScaleAndTheRestDoesNot) {
  std::vector<uint8_t> bytes = small_model();
  mote::testing::AlignedModel am(bytes);
  mote::Model m;
  mote::Error err;
  ASSERT_EQ(m.load(am.data(), am.size(), &err), mote::Status::kOk) << err.message;
  mote::OpResolver r;
  mote::register_all_ops(&r);
  std::vector<uint64_t> work((mote::Interpreter::workspace_bytes(m) + 7) / 8);
  mote::ArenaPlan plan;
  ASSERT_EQ(mote::Interpreter::plan(m, r, work.data(), work.size() * 8, &plan, &err), mote::Status::kOk) << err.message;
  EXPECT_EQ(mote::host::arena_bytes_for_pointer_size(m, plan, sizeof(void*)), plan.total_bytes);
  // 2 ops with 3+1 and 1+1 tensors, 6 tensors: records 2 x 5 pointers, 6 I/O pointers, 6 offsets.
  auto a8 = [](size_t v) { return (v + 7) / 8 * 8; };
  const size_t t64 = a8(2 * 5 * 8) + a8(6 * 8) + a8(6 * 4), t32 = a8(2 * 5 * 4) + a8(6 * 4) + a8(6 * 4);
  ASSERT_EQ(sizeof(void*), 8u) << "this test assumes a 64-bit host";
  EXPECT_EQ(plan.table_bytes, t64);
  EXPECT_EQ(mote::host::arena_bytes_for_pointer_size(m, plan, 4), plan.total_bytes - t64 + t32);
}

TEST(Export, SmallModelFilesHoldTheModelFacts) {
  const fs::path dir = temp_dir("small");
  const std::vector<uint8_t> bytes = small_model();
  ExportOptions o;
  o.model_path = write_model(dir, bytes).string();
  o.name = "tiny";
  o.out_dir = (dir / "out").string();
  ExportResult r = mote::host::export_model(o);
  ASSERT_EQ(r.files.size(), 3u);
  EXPECT_EQ(r.files[0].name, "tiny_model.h");
  EXPECT_EQ(r.files[1].name, "tiny_model.cc");
  EXPECT_EQ(r.files[2].name, "tiny_model_settings.h");
  for (const auto& f : r.files) EXPECT_EQ(slurp(fs::path(o.out_dir) / f.name), f.contents) << f.name;

  const std::string line = "// Generated by mote export from small.tflite (" + std::to_string(bytes.size()) + " bytes, sha256 " +
                           mote::host::sha256_hex(bytes.data(), bytes.size()) + ").\n";
  for (const auto& f : r.files) EXPECT_EQ(f.contents.rfind(line, 0), 0u) << f.name << " starts with\n" << f.contents.substr(0, 200);

  const std::string h = file_of(r, "tiny_model.h"), cc = file_of(r, "tiny_model.cc"), s = file_of(r, "tiny_model_settings.h");
  EXPECT_EQ(constant(h, "tiny_model_len"), std::to_string(bytes.size()));
  EXPECT_NE(h.find("alignas(16) extern tiny_MODEL_ATTRIBUTES const unsigned char tiny_model[tiny_model_len];"), std::string::npos);
  EXPECT_NE(cc.find("alignas(16) tiny_MODEL_ATTRIBUTES const unsigned char tiny_model[tiny_model_len] = {"), std::string::npos);
  EXPECT_EQ(array_bytes(cc, "tiny_model"), bytes);

  // Exactly the two ops, in first-use order.
  EXPECT_EQ(r.ops, (std::vector<std::string>{"FULLY_CONNECTED", "SOFTMAX"}));
  std::regex reg("mote::op_([a-z0-9_]+)\\(\\)");
  std::vector<std::string> regs;
  for (auto it = std::sregex_iterator(cc.begin(), cc.end(), reg); it != std::sregex_iterator(); ++it) regs.push_back((*it)[1]);
  EXPECT_EQ(regs, (std::vector<std::string>{"fully_connected", "softmax"}));

  EXPECT_EQ(constant(s, "tiny_kNumInputs"), "1");
  EXPECT_EQ(constant(s, "tiny_kNumOutputs"), "1");
  EXPECT_EQ(constant(s, "tiny_kInput0Type"), "mote::TensorType::kInt8");
  EXPECT_EQ(constant(s, "tiny_kInput0Rank"), "2");
  EXPECT_EQ(constant(s, "tiny_kInput0Dims\\[2\\]"), "{1, 2}");
  EXPECT_EQ(constant(s, "tiny_kInput0Bytes"), "2");
  EXPECT_EQ(constant(s, "tiny_kInput0Scale"), "0.5f");
  EXPECT_EQ(constant(s, "tiny_kInput0ZeroPoint"), "-1");
  EXPECT_EQ(constant(s, "tiny_kOutput0Dims\\[2\\]"), "{1, 3}");
  EXPECT_EQ(constant(s, "tiny_kOutput0Scale"), "0.00390625f");
  EXPECT_EQ(constant(s, "tiny_kOutput0ZeroPoint"), "-128");
  EXPECT_NE(s.find("using tiny_output0_t = int8_t;"), std::string::npos);
  // The tensor name is in a comment: "*/" and quotes cannot end it.
  EXPECT_NE(s.find("// input 0: tensor 0 \"in\"put*/\", INT8 [1, 2], 2 bytes"), std::string::npos);
  EXPECT_EQ(constant(s, "tiny_kArenaBytes32"), std::to_string(r.arena_bytes));
  EXPECT_EQ(constant(s, "tiny_kArenaBytes64"), std::to_string(r.arena_bytes_host));
  EXPECT_EQ(r.arena_bytes_host, r.plan.total_bytes);
  EXPECT_LT(r.arena_bytes, r.arena_bytes_host);
  EXPECT_NE(s.find("mote::Status tiny_register_ops(mote::OpResolver* resolver);"), std::string::npos);
  EXPECT_EQ(s.find("tiny_kLabels"), std::string::npos);
}

TEST(Export, ScaleLiteralsReadBackExactly) {
  const fs::path dir = temp_dir("scales");
  for (float scale : {0.0244801249f, 3e-05f, 1.0f, 123456.789f, 1.17549435e-38f, 0.00390625f}) {
    ModelBuilder b;
    int in = b.add_tensor(TensorType::kInt8, {1, 4}, Quant(scale, 7), "x");
    int out = b.add_tensor(TensorType::kInt8, {1, 4}, Quant(scale, 7), "y");
    b.add_op(mote::BuiltinOp::RESHAPE, {in}, {out}, Options::reshape({1, 4}));
    b.set_inputs({in});
    b.set_outputs({out});
    ExportOptions o;
    o.model_path = write_model(dir, b.finish()).string();
    o.name = "m";
    ExportResult r = mote::host::render_export(o);
    std::string lit = constant(file_of(r, "m_model_settings.h"), "m_kInput0Scale");
    ASSERT_EQ(lit.back(), 'f') << lit;
    EXPECT_EQ(std::strtof(lit.c_str(), nullptr), scale) << lit;
    EXPECT_NE(lit.find_first_of(".e"), std::string::npos) << lit << " must be a floating literal";
  }
}

TEST(Export, DeterministicAndIndependentOfTheDirectory) {
  const fs::path dir = temp_dir("determinism");
  const std::vector<uint8_t> bytes = small_model();
  fs::create_directories(dir / "a");
  fs::create_directories(dir / "b/c");
  ExportOptions o1, o2;
  o1.model_path = write_model(dir / "a", bytes, "net.tflite").string();
  o2.model_path = write_model(dir / "b/c", bytes, "net.tflite").string();
  o1.name = o2.name = "net";
  o1.out_dir = (dir / "out1").string();
  o2.out_dir = (dir / "out2/").string();
  ExportResult r1 = mote::host::export_model(o1), r2 = mote::host::export_model(o2);
  ASSERT_EQ(r1.files.size(), r2.files.size());
  for (size_t i = 0; i < r1.files.size(); ++i) {
    EXPECT_EQ(slurp(dir / "out1" / r1.files[i].name), slurp(dir / "out2" / r2.files[i].name)) << r1.files[i].name;
    EXPECT_EQ(r1.files[i].contents.find(dir.string()), std::string::npos) << "no absolute paths in " << r1.files[i].name;
  }
  // Writing again over existing files gives the same bytes.
  ExportResult r3 = mote::host::export_model(o1);
  for (const auto& f : r3.files) EXPECT_EQ(slurp(dir / "out1" / f.name), f.contents);
}

TEST(Export, LabelsAreEscapedAndCounted) {
  const fs::path dir = temp_dir("labels");
  ExportOptions o;
  o.model_path = write_model(dir, small_model()).string();
  o.name = "tiny";
  o.labels_path = (dir / "labels.txt").string();
  spit(o.labels_path, "yes\r\nsay \"no\"\nback\\slash?\tcaf\xc3\xa9\n\n");
  ExportResult r = mote::host::render_export(o);
  const std::string s = file_of(r, "tiny_model_settings.h");
  EXPECT_EQ(constant(s, "tiny_kNumLabels"), "3");
  EXPECT_NE(s.find("\"yes\",\n    \"say \\\"no\\\"\",\n    \"back\\\\slash\\077\\011caf\\303\\251\",\n};"), std::string::npos) << s;

  spit(o.labels_path, "one\ntwo\n");
  EXPECT_NE(expect_error(o).find("labels.txt: 2 labels, but output 0 has 3 elements"), std::string::npos);
  spit(o.labels_path, "\n\n");
  EXPECT_NE(expect_error(o).find("no labels"), std::string::npos);
  o.labels_path = (dir / "missing.txt").string();
  EXPECT_NE(expect_error(o).find("missing.txt: cannot open"), std::string::npos);
}

TEST(Export, InputsGoIntoModelInputHeader) {
  const fs::path dir = temp_dir("inputs");
  ExportOptions o;
  o.model_path = write_model(dir, small_model()).string();
  o.name = "tiny";
  spit(dir / "in.bin", std::string("\x05\xfb", 2));
  o.inputs = {(dir / "in.bin").string()};
  ExportResult r = mote::host::render_export(o);
  ASSERT_EQ(r.files.size(), 4u);
  EXPECT_EQ(r.files[3].name, "model_input.h");
  const std::string in = r.files[3].contents;
  EXPECT_NE(in.find("#define MOTE_APP_MODEL tiny_model\n"), std::string::npos);
  EXPECT_NE(in.find("#define MOTE_APP_ARENA_BYTES tiny_kArenaBytes\n"), std::string::npos);
  EXPECT_NE(in.find("#define MOTE_APP_REGISTER_OPS tiny_register_ops\n"), std::string::npos);
  EXPECT_NE(in.find("#define MOTE_APP_NUM_INPUTS 1\n"), std::string::npos);
  EXPECT_EQ(array_bytes(in, "mote_app_input_0"), (std::vector<uint8_t>{0x05, 0xfb}));

  spit(dir / "short.bin", "\x05");
  o.inputs = {(dir / "short.bin").string()};
  EXPECT_NE(expect_error(o).find("short.bin: 1 bytes, but input 0"), std::string::npos);
  o.inputs = {(dir / "in.bin").string(), (dir / "in.bin").string()};
  EXPECT_NE(expect_error(o).find("has 1 input(s), but 2 --input file(s) were given"), std::string::npos);
}

TEST(Export, ErrorsNameTheProblem) {
  const fs::path dir = temp_dir("errors");
  ExportOptions o;
  o.model_path = write_model(dir, small_model(/*with_svdf=*/true)).string();
  o.name = "tiny";
  o.out_dir = (dir / "out").string();
  std::string e = expect_error(o);
  EXPECT_NE(e.find("small.tflite: op 1 (SVDF) is not supported by mote"), std::string::npos) << e;
  EXPECT_FALSE(fs::exists(dir / "out")) << "nothing is written for a model that cannot be exported";

  {  // A supported op that refuses the model: the runtime's own message.
    ModelBuilder b;
    int in = b.add_tensor(TensorType::kInt8, {1, 2}, Quant(0.5f, -1), "x");
    int out = b.add_tensor(TensorType::kInt8, {1, 5}, Quant(1.0f / 256.0f, -128), "y");
    b.add_op(mote::BuiltinOp::SOFTMAX, {in}, {out}, Options::softmax(1.0f));
    b.set_inputs({in});
    b.set_outputs({out});
    o.model_path = write_model(dir, b.finish(), "refused.tflite").string();
    e = expect_error(o);
    EXPECT_NE(e.find("refused.tflite: cannot be exported: mote cannot run it: op 0 (SOFTMAX)"), std::string::npos) << e;
  }
  {  // A custom op is named by its custom code.
    ModelBuilder b;
    int in = b.add_tensor(TensorType::kInt8, {1, 2}, Quant(0.5f, -1), "x");
    int out = b.add_tensor(TensorType::kInt8, {1, 2}, Quant(0.5f, -1), "y");
    b.add_custom_op("SignalWindow", {in}, {out});
    b.set_inputs({in});
    b.set_outputs({out});
    o.model_path = write_model(dir, b.finish(), "custom.tflite").string();
    e = expect_error(o);
    EXPECT_NE(e.find("op 0 (SignalWindow) is not supported by mote"), std::string::npos) << e;
  }

  o.model_path = write_model(dir, small_model()).string();
  o.name = "my-model";
  e = expect_error(o);
  EXPECT_NE(e.find("--name 'my-model' is not a valid C identifier"), std::string::npos) << e;

  o.name = "tiny";
  spit(dir / "plain_file", "x");
  o.out_dir = (dir / "plain_file").string();
  e = expect_error(o);
  EXPECT_NE(e.find("plain_file: exists and is not a directory"), std::string::npos) << e;
  o.out_dir = (dir / "plain_file" / "sub").string();
  e = expect_error(o);
  EXPECT_NE(e.find("sub: cannot create output directory: Not a directory"), std::string::npos) << e;
  o.out_dir = (dir / "no" / "such" / "parent").string();
  e = expect_error(o);
  EXPECT_NE(e.find("cannot create output directory: No such file or directory"), std::string::npos) << e;
  // An existing output file that cannot be replaced (a directory in its place).
  o.out_dir = (dir / "out").string();
  fs::create_directories(dir / "out" / "tiny_model.h");
  e = expect_error(o);
  EXPECT_NE(e.find("tiny_model.h: cannot create: Is a directory"), std::string::npos) << e;
}

// ---- the CLI --------------------------------------------------------------------------------

TEST(ExportCli, StatusesAndOneLineErrors) {
  const fs::path dir = temp_dir("cli");
  const std::string model = write_model(dir, small_model()).string();
  const std::string svdf = write_model(dir, small_model(true), "svdf.tflite").string();
  const std::string mote = quote(MOTE_CLI_PATH);
  auto one_line = [](const Result& r, int status, const std::string& part) {
    EXPECT_EQ(r.status, status) << r.err;
    EXPECT_EQ(r.err.rfind("mote: ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(part), std::string::npos) << r.err;
  };
  Result ok = run(mote + " export " + quote(model) + " --name tiny -o " + quote((dir / "out").string()), dir);
  EXPECT_EQ(ok.status, 0) << ok.err;
  EXPECT_NE(ok.out.find("wrote " + (dir / "out").string() + "/tiny_model_settings.h"), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("ops: FULLY_CONNECTED, SOFTMAX"), std::string::npos) << ok.out;
  EXPECT_TRUE(fs::exists(dir / "out" / "tiny_model.cc"));
  one_line(run(mote + " export " + quote(model) + " --name 9lives -o " + quote((dir / "o2").string()), dir), 2,
           "--name '9lives' is not a valid C identifier");
  one_line(run(mote + " export " + quote(model) + " -o " + quote((dir / "o3").string()), dir), 2, "--name is required");
  one_line(run(mote + " export " + quote(svdf) + " --name tiny -o " + quote((dir / "o4").string()), dir), 1, "op 1 (SVDF)");
  one_line(run(mote + " export " + quote(model) + " --name tiny -o " + quote(model + "/sub"), dir), 1, "Not a directory");
}

// ---- compiling what was generated -----------------------------------------------------------

// A board for the host: console on stdout, exit() for board_exit, empty markers.
const char kHostBoard[] = R"(#include <stdio.h>
#include <stdlib.h>
#include "targets/common/board.h"
void board_init(void) {}
void board_write(const char* s, size_t n) { fwrite(s, 1, n, stdout); }
void board_exit(int code) { fflush(stdout); exit(code); }
__attribute__((noinline)) void board_marker_begin(void) { __asm__ volatile("" ::: "memory"); }
__attribute__((noinline)) void board_marker_end(void) { __asm__ volatile("" ::: "memory"); }
)";

// Uses every generated constant, so the compiler checks their types (and -Werror their use).
const char kUseSettings[] = R"(#include "tiny_model.h"
#include "tiny_model_settings.h"
static_assert(tiny_kNumInputs == 1 && tiny_kNumOutputs == 1, "counts");
static_assert(tiny_kInput0Dims[1] == 2 && tiny_kInput0Rank == 2 && tiny_kInput0Elements == 2, "input shape");
static_assert(tiny_kOutput0Bytes == 3 && tiny_kOutput0Type == mote::TensorType::kInt8, "output");
static_assert(tiny_kArenaBytes == (sizeof(void*) == 4 ? tiny_kArenaBytes32 : tiny_kArenaBytes64), "arena");
static_assert(tiny_kInput0Scale == 0.5f && tiny_kInput0ZeroPoint == -1, "quantization");
static_assert(sizeof(tiny_output0_t) == 1 && tiny_kNumLabels == 3, "labels");
const char* tiny_label(int i) { return tiny_kLabels[i]; }
size_t tiny_size() { return tiny_model_len + tiny_kOutput0Elements; }
)";

// Exports the small model with labels and an input into `dir`/gen.
ExportResult export_for_build(const fs::path& dir) {
  ExportOptions o;
  o.model_path = write_model(dir, small_model()).string();
  o.name = "tiny";
  o.out_dir = (dir / "gen").string();
  o.labels_path = (dir / "labels.txt").string();
  spit(o.labels_path, "yes\n\"no\"\nback\\slash?\n");
  spit(dir / "in.bin", std::string("\x05\xfb", 2));
  o.inputs = {(dir / "in.bin").string()};
  spit(dir / "use_settings.cc", kUseSettings);
  return mote::host::export_model(o);
}

TEST(ExportCompiles, HostWarningsAsErrorsAndTheExampleFirmwareRuns) {
  const fs::path lib = build_root() / "runtime" / "libmote_runtime.a";
  if (!fs::exists(lib)) GTEST_SKIP() << "runtime library not found at " << lib;
  const fs::path dir = temp_dir("host_build");
  ExportResult r = export_for_build(dir);
  spit(dir / "host_board.c", kHostBoard);
  const std::string inc = " -I " + quote(source_root().string()) + " -I " + quote((dir / "gen").string());
  const std::string flags = " -std=c++17 -O1 -Wall -Wextra -Werror -Wpedantic -Wshadow -fno-exceptions -fno-rtti" + inc;
  Result c = run("c++" + flags + " -c " + quote((dir / "gen/tiny_model.cc").string()) + " -o tiny_model.o && c++" + flags +
                     " -c " + quote((dir / "use_settings.cc").string()) + " -o use_settings.o && c++" + flags + " -c " +
                     quote((source_root() / "targets/common/bench_main.cc").string()) + " -o bench_main.o && cc -std=c11 -Wall " +
                     "-Wextra -Werror" + inc + " -c host_board.c -o host_board.o && c++ tiny_model.o use_settings.o bench_main.o " +
                     "host_board.o " + quote(lib.string()) + " -lm " + MOTE_TEST_SANITIZE_LINK_FLAGS + " -o firmware",
                 dir);
  ASSERT_EQ(c.status, 0) << c.err;

  Result f = run("./firmware", dir);
  ASSERT_EQ(f.status, 0) << f.out << f.err;
  // What the host interpreter computes for the same input.
  mote::testing::AlignedModel am(small_model());
  mote::Model m;
  mote::Error err;
  ASSERT_EQ(m.load(am.data(), am.size(), &err), mote::Status::kOk);
  mote::OpResolver res;
  mote::register_all_ops(&res);
  std::vector<uint64_t> arena(r.arena_bytes_host / 8 + 1);
  mote::Interpreter interp;
  ASSERT_EQ(interp.prepare(m, res, arena.data(), r.arena_bytes_host, &err), mote::Status::kOk) << err.message;
  std::memcpy(interp.input(0).data, "\x05\xfb", 2);
  ASSERT_EQ(interp.invoke(&err), mote::Status::kOk);
  const uint8_t* o = static_cast<const uint8_t*>(interp.output(0).data);
  char hex[8];
  std::snprintf(hex, sizeof(hex), "%02x%02x%02x", o[0], o[1], o[2]);
  EXPECT_EQ(f.out, "mote: arena_bytes " + std::to_string(r.arena_bytes_host) + "\nmote: output 0 " + hex + "\nmote: ok\n");
}

TEST(ExportCompiles, CortexM4FWarningsAsErrors) {
  if (!have_tool("arm-none-eabi-g++"))
    GTEST_SKIP() << "arm-none-eabi-g++ not installed (Debian: gcc-arm-none-eabi libnewlib-arm-none-eabi)";
  const fs::path dir = temp_dir("m4_build");
  export_for_build(dir);
  const std::string flags = " -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -std=c++17 -Os -Wall -Wextra -Werror "
                            "-Wpedantic -Wshadow -fno-exceptions -fno-rtti -I " +
                            quote(source_root().string()) + " -I " + quote((dir / "gen").string());
  for (const std::string& src : {(dir / "gen/tiny_model.cc").string(), (dir / "use_settings.cc").string(),
                                (source_root() / "targets/common/bench_main.cc").string()}) {
    Result c = run("arm-none-eabi-g++" + flags + " -c " + quote(src) + " -o out.o", dir);
    EXPECT_EQ(c.status, 0) << src << ":\n" << c.err;
  }
  // The model array is constant data (flash), 16-byte aligned.
  Result h = run("arm-none-eabi-g++" + flags + " -c " + quote((dir / "gen/tiny_model.cc").string()) +
                     " -o m.o && arm-none-eabi-objdump -t m.o | grep ' tiny_model$'",
                 dir);
  EXPECT_EQ(h.status, 0) << h.err;
  EXPECT_NE(h.out.find(".rodata"), std::string::npos) << h.out;
}

// A real model through the CLI, when ../shared is present: the exported header's sizes match
// `mote inspect --json`.
TEST(ExportConformance, KwsMatchesInspect) {
  const std::string shared = mote::testing::shared_dir();
  if (shared.empty()) GTEST_SKIP() << "../shared not found (set MOTE_SHARED_DIR): conformance data needed";
  const fs::path dir = temp_dir("kws");
  ExportOptions o;
  o.model_path = shared + "/conformance/core/kws_ref_model/model.tflite";
  o.name = "kws";
  ExportResult r = mote::host::render_export(o);
  Result j = run(quote(MOTE_CLI_PATH) + " inspect --json " + quote(o.model_path), dir);
  ASSERT_EQ(j.status, 0);
  EXPECT_NE(j.out.find("\"arena_bytes\": " + std::to_string(r.arena_bytes_host) + ","), std::string::npos);
  const std::string s = file_of(r, "kws_model_settings.h");
  EXPECT_EQ(constant(s, "kws_kInput0Dims\\[4\\]"), "{1, 49, 10, 1}");
  EXPECT_EQ(r.ops, (std::vector<std::string>{"CONV_2D", "DEPTHWISE_CONV_2D", "AVERAGE_POOL_2D", "RESHAPE", "FULLY_CONNECTED",
                                             "SOFTMAX"}));
}

}  // namespace
