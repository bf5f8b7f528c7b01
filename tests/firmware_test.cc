// The example firmware (targets/common/bench_main.cc) on Cortex-M under QEMU:
//   - built by targets/build_firmware.sh for Cortex-M4F (mps2-an386) for every int8 model of the
//     issue (hello_world_int8, micro_speech_quantized, person_detect, kws_ref_model,
//     pretrainedResnet_quant, ad01_int8), and for Cortex-M7 (mps2-an500) and Cortex-M55
//     (mps3-an547) for two of them; three int16 seanet models (one with two inputs) on the M4F;
//   - run with `qemu-system-arm -M <machine> -nographic -semihosting-config enable=on,target=native
//     -kernel firmware.elf` on input_0_0.bin: the printed output bytes equal output_0_0.bin, the
//     printed arena equals the exported app_kArenaBytes32, QEMU's exit status is the firmware's;
//   - the image holds no heap, exception or RTTI code, the marker instructions are where the
//     counter expects them, and semihosting exit codes and the fault handler reach the host.
// Firmware builds are cached in <build>/firmware-test (runtime library: <build>/firmware), so a
// second run only re-runs QEMU. Skips with a message when ../shared, arm-none-eabi-gcc or
// qemu-system-arm is missing (Debian packages: gcc-arm-none-eabi libnewlib-arm-none-eabi
// qemu-system-arm).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

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
  std::istringstream in(f.log);
  std::string line;
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_match(line, m, std::regex("mote: arena_bytes (\\d+)"))) f.arena_bytes = std::stoll(m[1]);
    if (std::regex_match(line, m, std::regex("mote: stack_bytes (\\d+)"))) f.stack_bytes = std::stoll(m[1]);
    if (std::regex_match(line, m, std::regex("mote: output (\\d+) ([0-9a-f]*)"))) {
      size_t j = std::stoul(m[1]);
      if (f.outputs.size() <= j) f.outputs.resize(j + 1);
      f.outputs[j] = m[2];
    }
    if (line == "mote: ok") f.ok = true;
  }
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

}  // namespace
