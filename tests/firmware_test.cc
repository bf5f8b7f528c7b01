// The example firmware (targets/common/bench_main.cc) on Cortex-M under QEMU:
//   - built by targets/build_firmware.sh for Cortex-M4F (mps2-an386) for every int8 model of the
//     issue (hello_world_int8, micro_speech_quantized, person_detect, kws_ref_model,
//     pretrainedResnet_quant, ad01_int8), and for Cortex-M7 (mps2-an500) and Cortex-M55
//     (mps3-an547) for two of them; three int16 seanet models (one with two inputs) on the M4F;
//   - run with `qemu-system-arm -M <machine> -nographic -semihosting-config enable=on,target=native
//     -kernel firmware.elf` on input_0_0.bin: the printed output bytes equal output_0_0.bin, the
//     printed arena equals the exported app_kArenaBytes32, QEMU's exit status is the firmware's;
//   - a model built here (conv and fully connected edge cases for the 32-bit inner loops of
//     runtime/kernels/dot_s8.h) gives the host interpreter's bytes on M4F, M55 and RV32;
//   - the image holds no heap, exception or RTTI code, the marker instructions are where the
//     counter expects them, and semihosting exit codes and the fault handler reach the host.
// Firmware builds are cached in <build>/firmware-test (runtime library: <build>/firmware), so a
// second run only re-runs QEMU. Skips with a message when ../shared, arm-none-eabi-gcc or
// qemu-system-arm is missing (Debian packages: gcc-arm-none-eabi libnewlib-arm-none-eabi
// qemu-system-arm).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "host/target_bench.h"
#include "tests/support/model_builder.h"
#include "tests/support/run_model.h"
#include "tests/support/test_support.h"

namespace {

namespace fs = std::filesystem;

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

// Runs `cmd` with sh in `dir`, capturing stdout and stderr.
Result run(const std::string& cmd, const fs::path& dir) {
  fs::create_directories(dir);
  // Per-process names: parallel test processes may run in the same directory.
  const std::string tag = std::to_string(::getpid());
  const fs::path out = dir / ("cmd." + tag + ".out"), err = dir / ("cmd." + tag + ".err");
  const int raw = std::system(("cd " + quote(dir.string()) + " && (" + cmd + ") >" + quote(out.string()) + " 2>" +
                               quote(err.string()) + " </dev/null").c_str());
  Result r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  fs::remove(out);
  fs::remove(err);
  return r;
}

std::string hex(const std::vector<uint8_t>& v) {
  std::string s;
  char b[3];
  for (uint8_t x : v) {
    std::snprintf(b, sizeof(b), "%02x", x);
    s += b;
  }
  return s;
}

// What the firmware printed.
struct FirmwareRun {
  int status = -1;
  std::string log;
  long long arena_bytes = -1;
  long long stack_bytes = -1;
  std::vector<std::string> outputs;  // hex, by output index
  bool ok = false;
};

FirmwareRun parse_run(const Result& r) {
  FirmwareRun f;
  f.status = r.status;
  f.log = r.out + r.err;
  const mote::host::FirmwareOutput o = mote::host::parse_firmware_output(f.log);
  f.ok = o.ok;
  f.arena_bytes = o.arena_bytes ? static_cast<long long>(o.arena_bytes) : -1;
  f.stack_bytes = o.stack_bytes ? static_cast<long long>(o.stack_bytes) : -1;
  for (const std::vector<uint8_t>& bytes : o.outputs) f.outputs.push_back(hex(bytes));
  return f;
}

// "inline constexpr size_t app_kArenaBytes32 = 864;" in the exported settings header.
long long exported_arena(const fs::path& outdir) {
  std::smatch m;
  const std::string h = slurp(outdir / "gen/app_model_settings.h");
  if (!std::regex_search(h, m, std::regex("app_kArenaBytes32 = (\\d+);"))) return -2;
  return std::stoll(m[1]);
}

std::string model_dir(const std::string& model) { return mote::testing::shared_dir() + "/conformance/core/" + model; }

struct Case {
  const char* target;
  const char* model;
};
std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  std::string n = std::string(info.param.target) + "_" + info.param.model;
  for (char& c : n)
    if (c == '-' || c == '/') c = '_';
  return n;
}

class Firmware : public ::testing::TestWithParam<Case> {
 protected:
  static std::string missing() {
    if (mote::testing::shared_dir().empty()) return "../shared not found (set MOTE_SHARED_DIR): conformance data needed";
    if (!have_tool("arm-none-eabi-gcc"))
      return "arm-none-eabi-gcc not installed (Debian: gcc-arm-none-eabi libnewlib-arm-none-eabi)";
    if (!have_tool("qemu-system-arm")) return "qemu-system-arm not installed (Debian: qemu-system-arm)";
    return {};
  }

  // Builds (or reuses) the firmware; returns "" or the build's error output.
  // `tag` gives a test its own output directory, so parallel tests never share one.
  static std::string build(const Case& c, fs::path* outdir, Result* r_out = nullptr, const std::string& tag = "") {
    *outdir = build_root() / "firmware-test" / (std::string(c.target) + "-" + c.model + tag);
    const std::string d = model_dir(c.model);
    std::string inputs;
    for (int i = 0; fs::exists(d + "/input_0_" + std::to_string(i) + ".bin"); ++i)
      inputs += " " + quote(d + "/input_0_" + std::to_string(i) + ".bin");
    const std::string cmd = "MOTE_CLI=" + quote(MOTE_CLI_PATH) + " MOTE_FW_CACHE=" + quote((build_root() / "firmware").string()) +
                            " " + quote((source_root() / "targets/build_firmware.sh").string()) + " " + c.target + " " +
                            quote(d + "/model.tflite") + " " + quote(outdir->string()) + inputs;
    Result r = run(cmd, build_root());
    if (r_out) *r_out = r;
    if (r.status != 0) return "build failed (status " + std::to_string(r.status) + "):\n" + r.err;
    if (r.out != (*outdir / "firmware.elf").string() + "\n") return "unexpected stdout: " + r.out;
    return {};
  }

  static FirmwareRun run_firmware(const fs::path& outdir) {
    std::string qemu = slurp(outdir / "qemu.txt");
    while (!qemu.empty() && (qemu.back() == '\n' || qemu.back() == ' ')) qemu.pop_back();
    return parse_run(run("timeout 600 " + qemu, outdir));
  }
};

TEST_P(Firmware, OutputsEqualGoldenUnderQemu) {
  const std::string why = missing();
  if (!why.empty()) GTEST_SKIP() << why;
  const Case c = GetParam();
  fs::path outdir;
  ASSERT_EQ(build(c, &outdir), "");
  const FirmwareRun f = run_firmware(outdir);
  ASSERT_EQ(f.status, 0) << f.log;
  ASSERT_TRUE(f.ok) << f.log;
  EXPECT_EQ(f.arena_bytes, exported_arena(outdir)) << "the firmware's arena must be the exported 32-bit figure";
  EXPECT_GT(f.stack_bytes, 0) << f.log;
  size_t n = 0;
  for (; fs::exists(model_dir(c.model) + "/output_0_" + std::to_string(n) + ".bin"); ++n) {
    const std::vector<uint8_t> want = mote::testing::read_file(model_dir(c.model) + "/output_0_" + std::to_string(n) + ".bin");
    ASSERT_LT(n, f.outputs.size()) << f.log;
    EXPECT_EQ(f.outputs[n], hex(want)) << c.model << " output " << n << " on " << c.target;
  }
  EXPECT_GT(n, 0u);
  EXPECT_EQ(f.outputs.size(), n) << f.log;
}

INSTANTIATE_TEST_SUITE_P(CortexM4F, Firmware,
                         ::testing::Values(Case{"cortex-m4", "hello_world_int8"}, Case{"cortex-m4", "micro_speech_quantized"},
                                           Case{"cortex-m4", "person_detect"}, Case{"cortex-m4", "kws_ref_model"},
                                           Case{"cortex-m4", "pretrainedResnet_quant"}, Case{"cortex-m4", "ad01_int8"}),
                         case_name);
// int16 activations (TensorFlow Lite Micro's seanet per-op tests): two inputs, 64-bit biases.
INSTANTIATE_TEST_SUITE_P(CortexM4FInt16, Firmware,
                         ::testing::Values(Case{"cortex-m4", "seanet/add/add0"}, Case{"cortex-m4", "seanet/conv/conv21"},
                                           Case{"cortex-m4", "seanet/transpose_conv/transpose_conv0"}),
                         case_name);
INSTANTIATE_TEST_SUITE_P(CortexM7, Firmware,
                         ::testing::Values(Case{"cortex-m7", "kws_ref_model"}, Case{"cortex-m7", "person_detect"}), case_name);
INSTANTIATE_TEST_SUITE_P(CortexM55, Firmware,
                         ::testing::Values(Case{"cortex-m55", "kws_ref_model"}, Case{"cortex-m55", "person_detect"}),
                         case_name);

class FirmwareImage : public Firmware {};

// The image: no heap/exception/RTTI symbols, markers encoded as the counter expects, model in
// read-only memory, a second build is a no-op.
TEST_F(FirmwareImage, SymbolsMarkersAndCache) {
  const std::string why = missing();
  if (!why.empty()) GTEST_SKIP() << why;
  fs::path outdir;
  ASSERT_EQ(build({"cortex-m4", "kws_ref_model"}, &outdir, nullptr, "-image"), "");
  const std::string elf = quote((outdir / "firmware.elf").string());
  Result nm = run("arm-none-eabi-nm -S " + elf, outdir);
  ASSERT_EQ(nm.status, 0);
  for (const char* bad : {" malloc\n", " free\n", " _sbrk\n", " __cxa_throw\n", " __gxx_personality_v0\n", " _Znwj\n", " _ZdlPv\n"})
    EXPECT_EQ(nm.out.find(bad), std::string::npos) << bad;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(nm.out, m, std::regex("([0-9a-f]{8}) ([0-9a-f]{8}) R app_model\n"))) << nm.out;
  EXPECT_EQ(std::stoul(m[1], nullptr, 16) % 16, 0u) << "the model array must be 16-byte aligned";
  EXPECT_EQ(std::stoul(m[2], nullptr, 16), fs::file_size(model_dir("kws_ref_model") + "/model.tflite"));

  Result dis = run("arm-none-eabi-objdump -d " + elf + " | grep -A2 -E '<board_marker_(begin|end)>:'", outdir);
  ASSERT_EQ(dis.status, 0) << dis.err;
  EXPECT_TRUE(std::regex_search(dis.out, std::regex("<board_marker_begin>:\n\\s*[0-9a-f]+:\\s+bfa0"))) << dis.out;
  EXPECT_TRUE(std::regex_search(dis.out, std::regex("<board_marker_end>:\n\\s*[0-9a-f]+:\\s+bfb0"))) << dis.out;
  // bench_main calls the markers around one call (run_inference), not inlined.
  Result calls = run("arm-none-eabi-objdump -d " + elf + " | grep -E 'bl\\s+[0-9a-f]+ <(board_marker_begin|board_marker_end|"
                     "_ZN12_GLOBAL__N_113run_inferenceEPN4mote5ErrorE)>' | sed 's/.*<//'",
                     outdir);
  EXPECT_EQ(calls.out, "board_marker_begin>\n_ZN12_GLOBAL__N_113run_inferenceEPN4mote5ErrorE>\nboard_marker_end>\n");

  Result again;
  ASSERT_EQ(build({"cortex-m4", "kws_ref_model"}, &outdir, &again, "-image"), "");
  EXPECT_NE(again.err.find("is up to date"), std::string::npos) << again.err;
}

// Semihosting exit codes reach QEMU's exit status, and a fault is reported, not a hang.
TEST_F(FirmwareImage, ExitCodesAndFaultsReachTheHost) {
  const std::string why = missing();
  if (!why.empty()) GTEST_SKIP() << why;
  const fs::path dir = build_root() / "firmware-test" / "exit";
  fs::create_directories(dir);
  spit(dir / "app.c",
       "#include \"targets/common/board.h\"\n"
       "int main(void) {\n"
       "  board_init();\n"
       "  board_write(\"hello \\0from main\\n\", 17);\n"
       "  volatile unsigned* bad = (volatile unsigned*)0xF0000000u;\n"
       "  if (BAD) return (int)*bad;\n"
       "  board_exit(42);\n"
       "}\n");
  const fs::path cm = source_root() / "targets/cortex-m";
  const std::string flags = "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -Os -Wall -Wextra -Werror -I " +
                            quote(source_root().string());
  const std::string srcs = "app.c " + quote((cm / "startup.c").string()) + " " + quote((cm / "board_semihost.c").string()) + " " +
                           quote((cm / "markers.S").string());
  const std::string link = " -nostartfiles --specs=nano.specs -L " + quote(cm.string()) + " -T mps2-an386.ld -Wl,--gc-sections " +
                           "-Wl,--no-warn-rwx-segments";
  const std::string qemu = "timeout 60 qemu-system-arm -M mps2-an386 -nographic -monitor none -serial none "
                           "-semihosting-config enable=on,target=native -kernel ";
  for (int bad : {0, 1}) {
    const std::string elf = "app" + std::to_string(bad) + ".elf";
    Result b = run("arm-none-eabi-gcc " + flags + " -DBAD=" + std::to_string(bad) + " " + srcs + link + " -o " + elf, dir);
    ASSERT_EQ(b.status, 0) << b.err;
    Result r = run(qemu + elf, dir);
    if (bad == 0) {
      EXPECT_EQ(r.status, 42) << r.out << r.err;
      EXPECT_NE(r.err.find("hello  from main\n"), std::string::npos) << "a NUL byte is printed as a space: " << r.err;
    } else {
      EXPECT_EQ(r.status, 3) << r.out << r.err;
      EXPECT_NE(r.err.find("mote: error fault: exception 0x00000003"), std::string::npos) << r.err;  // HardFault
      EXPECT_NE(r.err.find("BFAR 0xf0000000"), std::string::npos) << r.err;
    }
    EXPECT_TRUE(std::regex_search(r.err, std::regex("mote: stack_bytes [1-9][0-9]*\n"))) << r.err;
  }
}

// The 32-bit targets run their own int8 inner loops (runtime/kernels/dot_s8.h: scalar blocks of
// 2 pixels x 2 channels or 1 x 4, unrolled by four), which the host build never executes. A small
// model built here walks their edge cases — the gathered-patch path (3 input channels, 27-value
// windows), direct row runs of 54 values (not a multiple of four) with pairs and a lone last
// pixel, stride 2 with SAME padding, a grouped convolution with dilation 2 (runs of one tap's 16
// channels), channel counts that leave 1-, 2- and 3-channel remainders, a fully connected layer of
// 7 units over 90 values — and the firmware's output must equal the host interpreter's bytes.
std::vector<uint8_t> conv_edge_model() {
  using namespace mote;
  using namespace mote::testing;
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> w8(-127, 127), b32(-3000, 3000);
  ModelBuilder b;
  auto weights = [&](std::vector<int32_t> shape, float scale, float in_scale, int* w, int* bias) {
    const int32_t out = shape[0];
    int32_t n = 1;
    for (int32_t d : shape) n *= d;
    std::vector<int8_t> wv(n);
    for (auto& v : wv) v = static_cast<int8_t>(w8(rng));
    std::vector<int32_t> bv(out);
    for (auto& v : bv) v = b32(rng);
    std::vector<float> ws, bs;
    for (int32_t c = 0; c < out; ++c) {
      ws.push_back(scale * (1.0f + 0.1f * static_cast<float>(c % 5)));
      bs.push_back(ws.back() * in_scale);
    }
    *w = b.add_const_i8(shape, wv, Quant::per_channel(ws, 0));
    *bias = b.add_const_i32({out}, bv, Quant::per_channel(bs, 0));
  };
  int w = 0, bias = 0;
  const int in = b.add_tensor(TensorType::kInt8, {1, 5, 9, 3}, Quant(0.05f, -3), "input");
  const int t1 = b.add_tensor(TensorType::kInt8, {1, 5, 9, 18}, Quant(0.3f, -128));
  weights({18, 3, 3, 3}, 0.02f, 0.05f, &w, &bias);
  b.add_op(BuiltinOp::CONV_2D, {in, w, bias}, {t1}, Options::conv2d(Padding::kSame, 1, 1, Activation::kRelu));
  const int t2 = b.add_tensor(TensorType::kInt8, {1, 3, 5, 32}, Quant(0.5f, 5));
  weights({32, 3, 3, 18}, 0.004f, 0.3f, &w, &bias);
  b.add_op(BuiltinOp::CONV_2D, {t1, w, bias}, {t2}, Options::conv2d(Padding::kSame, 2, 2));
  const int t3 = b.add_tensor(TensorType::kInt8, {1, 3, 5, 6}, Quant(0.4f, -7));
  weights({6, 3, 3, 16}, 0.004f, 0.5f, &w, &bias);  // 2 groups of 16 input channels, 3 outputs each
  b.add_op(BuiltinOp::CONV_2D, {t2, w, bias}, {t3}, Options::conv2d(Padding::kSame, 1, 1, Activation::kNone, 2, 2));
  const int out = b.add_tensor(TensorType::kInt8, {1, 7}, Quant(0.6f, 3), "output");
  weights({7, 90}, 0.006f, 0.4f, &w, &bias);
  b.add_op(BuiltinOp::FULLY_CONNECTED, {t3, w, bias}, {out}, Options::fully_connected());
  b.set_inputs({in});
  b.set_outputs({out, t3});
  return b.finish();
}

using FirmwareKernels = ::testing::TestWithParam<const char*>;

TEST_P(FirmwareKernels, ConvAndFullyConnectedEdgeCasesEqualHost) {
  const std::string target = GetParam();
  const bool riscv = target == "riscv32";
  if (!have_tool(riscv ? "riscv64-unknown-elf-gcc" : "arm-none-eabi-gcc"))
    GTEST_SKIP() << "cross compiler missing (Debian: " << (riscv ? "gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf" : "gcc-arm-none-eabi libnewlib-arm-none-eabi") << ")";
  if (!have_tool(riscv ? "qemu-system-riscv32" : "qemu-system-arm"))
    GTEST_SKIP() << "QEMU missing (Debian: " << (riscv ? "qemu-system-misc" : "qemu-system-arm") << ")";
  const fs::path dir = build_root() / "firmware-test" / ("kernels-" + target);
  fs::create_directories(dir);
  const std::vector<uint8_t> model = conv_edge_model();
  std::vector<uint8_t> input(5 * 9 * 3);
  std::mt19937 rng(11);
  for (auto& v : input) v = static_cast<uint8_t>(rng());
  spit(dir / "edge.tflite", std::string(model.begin(), model.end()));
  spit(dir / "input.bin", std::string(input.begin(), input.end()));
  const mote::testing::RunResult host = mote::testing::run_model(model, {input});
  ASSERT_EQ(host.status, mote::Status::kOk) << host.message;
  ASSERT_EQ(host.outputs.size(), 2u);
  const std::string cmd = "MOTE_CLI=" + quote(MOTE_CLI_PATH) + " MOTE_FW_CACHE=" + quote((build_root() / "firmware").string()) +
                          " " + quote((source_root() / "targets/build_firmware.sh").string()) + " " + target +
                          " edge.tflite out input.bin";
  const Result b = run(cmd, dir);
  ASSERT_EQ(b.status, 0) << b.err;
  std::string qemu = slurp(dir / "out/qemu.txt");
  while (!qemu.empty() && (qemu.back() == '\n' || qemu.back() == ' ')) qemu.pop_back();
  const FirmwareRun f = parse_run(run("timeout 600 " + qemu, dir));
  ASSERT_EQ(f.status, 0) << f.log;
  ASSERT_EQ(f.outputs.size(), 2u) << f.log;
  EXPECT_EQ(f.outputs[0], hex(host.outputs[0])) << "fully connected output on " << target;
  EXPECT_EQ(f.outputs[1], hex(host.outputs[1])) << "grouped dilated conv output on " << target;
  // The test means something only if the outputs are not saturated constants.
  std::vector<uint8_t> distinct(host.outputs[1]);
  std::sort(distinct.begin(), distinct.end());
  EXPECT_GE(std::unique(distinct.begin(), distinct.end()) - distinct.begin(), 20) << "outputs barely vary";
}

INSTANTIATE_TEST_SUITE_P(Targets, FirmwareKernels, ::testing::Values("cortex-m4", "cortex-m55", "riscv32"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

}  // namespace
