// The example firmware (targets/common/bench_main.cc) built for RV32IMAC (targets/riscv32, picolibc)
// and run under `qemu-system-riscv32 -M virt -bios none` with the instruction counter:
//   - the output bytes equal the golden outputs of ../shared/conformance (int8 exactly; float
//     within 1e-4 relative, as tests/conformance_test.cc);
//   - the arena the firmware used equals the exported NAME_kArenaBytes (exact for 32-bit targets);
//   - the inference's instruction count is reported, and repeats exactly on a second run;
//   - `mote bench MODEL --target riscv32 --json` reports the same count, the sizes and the host
//     comparison; missing tools are named with their Debian package; usage errors exit 2.
// A model whose image does not fit the target's memory (targets/riscv32/memory.ld: 4 MiB flash,
// 320 KiB RAM) is skipped with the linker's message. Needs gcc-riscv64-unknown-elf,
// picolibc-riscv64-unknown-elf and qemu-system-misc (skips, naming them, when missing).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/target_bench.h"
#include "tests/support/test_support.h"

namespace {

namespace fs = std::filesystem;

fs::path source_root() { return fs::path(__FILE__).parent_path().parent_path(); }

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

bool have_tool(const std::string& tool) { return std::system(("command -v " + tool + " >/dev/null 2>&1").c_str()) == 0; }

struct Result {
  int status = -1;
  std::string out;
  std::string err;
};

Result run(const std::string& cmd, const fs::path& dir) {
  const fs::path out = dir / "cmd.out", err = dir / "cmd.err";
  const int raw = std::system(("(" + cmd + ") >" + quote(out.string()) + " 2>" + quote(err.string())).c_str());
  Result r;
  r.status = raw == -1 ? -1 : WEXITSTATUS(raw);
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

// What one QEMU run of the firmware printed.
struct FirmwareRun {
  int status = -1;
  bool ok = false;
  long long arena_bytes = -1;
  long long stack_bytes = -1;
  std::vector<std::vector<uint8_t>> outputs;
  std::vector<long long> counts;  // insn_count lines
  std::string log;                // everything, for failure messages
};

FirmwareRun parse_run(const Result& r, const std::string& count_text) {
  FirmwareRun f;
  f.status = r.status;
  f.log = r.out + r.err + count_text;
  const mote::host::FirmwareOutput o = mote::host::parse_firmware_output(r.out + "\n" + r.err);
  f.ok = o.ok;
  f.arena_bytes = o.arena_bytes ? static_cast<long long>(o.arena_bytes) : -1;
  f.stack_bytes = o.stack_bytes ? static_cast<long long>(o.stack_bytes) : -1;
  f.outputs = o.outputs;
  std::string line;
  std::istringstream cin(count_text);
  long long n = 0;
  while (std::getline(cin, line))
    if (std::sscanf(line.c_str(), "insn_count: %lld", &n) == 1) f.counts.push_back(n);
  return f;
}

struct Case {
  const char* model;
  bool is_float;
};

std::string case_name(const ::testing::TestParamInfo<Case>& info) { return info.param.model; }
void PrintTo(const Case& c, std::ostream* os) { *os << c.model; }

class RiscvFirmware : public ::testing::TestWithParam<Case> {
 protected:
  // One fresh directory per process: ctest runs test cases in parallel processes. The runtime
  // library is built once per target and shared (build_firmware.sh locks it).
  static void SetUpTestSuite() {
    std::string tmpl = (fs::temp_directory_path() / "mote_riscv_firmware_XXXXXX").string();
    if (!mkdtemp(tmpl.data())) return;
    work_ = new fs::path(tmpl);
    plugin_ok_ = std::system((quote((source_root() / "targets/qemu-plugin/build.sh").string()) + " " +
                              quote(work_->string()) + " >/dev/null 2>&1").c_str()) == 0;
  }
  static void TearDownTestSuite() {
    if (work_) fs::remove_all(*work_);
    delete work_;
    work_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(work_, nullptr) << "cannot create a temporary directory";
    for (const char* tool : {"riscv64-unknown-elf-gcc", "qemu-system-riscv32"})
      if (!have_tool(tool))
        GTEST_SKIP() << tool << " not found: apt-get install gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf qemu-system-misc";
    if (!fs::exists("/usr/lib/picolibc/riscv64-unknown-elf/picolibc.specs"))
      GTEST_SKIP() << "picolibc for riscv64-unknown-elf not found: apt-get install picolibc-riscv64-unknown-elf";
    if (mote::testing::shared_dir().empty()) GTEST_SKIP() << "../shared/conformance not found";
    ASSERT_TRUE(plugin_ok_) << "targets/qemu-plugin/build.sh failed";
  }

  fs::path model_dir(const std::string& model) const { return fs::path(mote::testing::shared_dir()) / "conformance/core" / model; }

  // Builds the firmware for sample 0 of `model`. Returns "" when built, else why not; sets
  // *too_big when the image does not fit the target's memory.
  std::string build(const std::string& model, fs::path* outdir, bool* too_big) {
    *outdir = *work_ / model;
    fs::create_directories(*outdir);
    std::string cmd = "MOTE_CLI=" + quote(MOTE_CLI_PATH) + " " + quote((source_root() / "targets/build_firmware.sh").string()) +
                      " riscv32 " + quote((model_dir(model) / "model.tflite").string()) + " " + quote(outdir->string());
    for (int i = 0; fs::exists(model_dir(model) / ("input_0_" + std::to_string(i) + ".bin")); ++i)
      cmd += " " + quote((model_dir(model) / ("input_0_" + std::to_string(i) + ".bin")).string());
    const Result r = run(cmd, *outdir);
    *too_big = r.status != 0 && r.err.find("overflowed") != std::string::npos;
    return r.status == 0 ? "" : "targets/build_firmware.sh riscv32 " + model + " failed: " + r.err;
  }

  FirmwareRun run_firmware(const fs::path& outdir) {
    const fs::path counts = outdir / "counts.txt";
    fs::remove(counts);
    std::string qemu = slurp(outdir / "qemu.txt");
    while (!qemu.empty() && (qemu.back() == '\n' || qemu.back() == ' ')) qemu.pop_back();
    const Result r = run("timeout 600 " + qemu + " -plugin " + quote((*work_ / "libinsn_count.so").string() + ",out=" + counts.string()), outdir);
    return parse_run(r, slurp(counts));
  }

  static fs::path* work_;
  static bool plugin_ok_;
};
fs::path* RiscvFirmware::work_ = nullptr;
bool RiscvFirmware::plugin_ok_ = false;

// The 32-bit arena in the exported settings header: "inline constexpr size_t app_kArenaBytes32 = 864;".
long long exported_arena(const fs::path& outdir) {
  const std::string h = slurp(outdir / "gen/app_model_settings.h");
  std::smatch m;
  if (!std::regex_search(h, m, std::regex(R"(app_kArenaBytes(?:32)? = (\d+);)"))) return -2;
  return std::stoll(m[1].str());
}

TEST_P(RiscvFirmware, OutputsEqualGoldenUnderQemu) {
  const Case c = GetParam();
  fs::path outdir;
  bool too_big = false;
  const std::string why = build(c.model, &outdir, &too_big);
  if (too_big) GTEST_SKIP() << c.model << " does not fit the RISC-V target's memory: " << why;
  ASSERT_EQ(why, "");
  const FirmwareRun f = run_firmware(outdir);
  ASSERT_EQ(f.status, 0) << f.log;
  ASSERT_TRUE(f.ok) << f.log;
  EXPECT_EQ(f.arena_bytes, exported_arena(outdir)) << "the firmware's arena must be the exported 32-bit figure";
  EXPECT_GT(f.stack_bytes, 0) << f.log;
  ASSERT_EQ(f.counts.size(), 1u) << "one marker region per run: " << f.log;
  EXPECT_GT(f.counts[0], 0);
  for (size_t j = 0; fs::exists(model_dir(c.model) / ("output_0_" + std::to_string(j) + ".bin")); ++j) {
    const std::vector<uint8_t> want = mote::testing::read_file((model_dir(c.model) / ("output_0_" + std::to_string(j) + ".bin")).string());
    ASSERT_LT(j, f.outputs.size()) << f.log;
    const std::vector<uint8_t>& got = f.outputs[j];
    ASSERT_EQ(got.size(), want.size()) << "output " << j;
    if (!c.is_float) {
      EXPECT_EQ(got, want) << "output " << j << " differs from the golden bytes";
      continue;
    }
    int bad = 0;
    for (size_t i = 0; i + 4 <= want.size(); i += 4) {
      float g, w;
      std::memcpy(&g, &got[i], 4);
      std::memcpy(&w, &want[i], 4);
      const double tol = 1e-4 * std::max(std::fabs(static_cast<double>(w)), 1e-2);
      if (!(std::fabs(static_cast<double>(g) - static_cast<double>(w)) <= tol)) ++bad;
    }
    EXPECT_EQ(bad, 0) << "output " << j << ": float elements outside tolerance";
  }
  std::printf("[ riscv32  ] %s: %lld instructions per inference, arena %lld bytes, stack %lld bytes\n", c.model,
              f.counts[0], f.arena_bytes, f.stack_bytes);
}

INSTANTIATE_TEST_SUITE_P(Core, RiscvFirmware,
                         ::testing::Values(Case{"hello_world_int8", false}, Case{"micro_speech_quantized", false},
                                           Case{"person_detect", false}, Case{"kws_ref_model", false},
                                           Case{"pretrainedResnet_quant", false}, Case{"ad01_int8", false},
                                           Case{"hello_world_float", true}, Case{"ad01_fp32", true}),
                         case_name);

using RiscvFirmwareRepeat = RiscvFirmware;

TEST_F(RiscvFirmwareRepeat, InstructionCountRepeatsExactly) {
  fs::path outdir;
  bool too_big = false;
  ASSERT_EQ(build("kws_ref_model", &outdir, &too_big), "");
  const FirmwareRun a = run_firmware(outdir);
  const FirmwareRun b = run_firmware(outdir);
  ASSERT_EQ(a.counts.size(), 1u) << a.log;
  ASSERT_EQ(b.counts.size(), 1u) << b.log;
  EXPECT_EQ(a.counts[0], b.counts[0]);
  EXPECT_EQ(a.outputs, b.outputs);
}

}  // namespace

// `mote bench MODEL --target riscv32`: export, build, run under QEMU, report.
class MoteBenchTarget : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "mote_bench_target_XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  Result mote(const std::string& args, const std::string& env = "") { return run(env + " " + quote(MOTE_CLI_PATH) + " " + args, dir_); }
  fs::path dir_;
};

TEST_F(MoteBenchTarget, JsonReportsCountsSizesAndTheHostComparison) {
  for (const char* tool : {"riscv64-unknown-elf-gcc", "qemu-system-riscv32"})
    if (!have_tool(tool))
      GTEST_SKIP() << tool << " not found: apt-get install gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf qemu-system-misc";
  if (mote::testing::shared_dir().empty()) GTEST_SKIP() << "../shared/conformance not found";
  const fs::path model_dir = fs::path(mote::testing::shared_dir()) / "conformance/core/ad01_int8";
  const Result r = mote("bench " + quote((model_dir / "model.tflite").string()) + " --target riscv32 --json --build-dir " +
                        quote((dir_ / "fw").string()));
  ASSERT_EQ(r.status, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("target"), "riscv32");
  // Default inputs are generated sample 0: the golden input, so the output is the golden output.
  const std::vector<uint8_t> golden = mote::testing::read_file((model_dir / "output_0_0.bin").string());
  std::string golden_hex;
  for (uint8_t b : golden) golden_hex += "0123456789abcdef"[b >> 4], golden_hex += "0123456789abcdef"[b & 15];
  EXPECT_EQ(j.at("outputs").at(0).at("target"), golden_hex);
  EXPECT_EQ(j.at("outputs").at(0).at("host"), golden_hex);
  EXPECT_EQ(j.at("output_matches_host"), true);
  // The count is the one a direct run of the kept firmware gives (exact and repeatable).
  const uint64_t n = j.at("instructions_per_inference");
  EXPECT_GT(n, 100000u);
  std::string qemu = slurp(dir_ / "fw/firmware/qemu.txt");
  while (!qemu.empty() && qemu.back() == '\n') qemu.pop_back();
  const fs::path so = dir_ / "fw/plugin/libinsn_count.so";
  const Result again = run("timeout 600 " + qemu + " -plugin " + quote(so.string()), dir_);
  EXPECT_NE(again.err.find("insn_count: " + std::to_string(n) + "\n"), std::string::npos) << again.err;
  // Sizes: the model array is the model file; the flash parts add up; RAM holds the arena.
  const uint64_t model_bytes = fs::file_size(model_dir / "model.tflite");
  const nlohmann::json& f = j.at("flash");
  EXPECT_EQ(f.at("model_data").get<uint64_t>(), model_bytes);
  EXPECT_GT(f.at("runtime_code").get<uint64_t>(), 5000u);
  EXPECT_GT(f.at("kernel_code").get<uint64_t>(), 1000u);
  EXPECT_EQ(f.at("runtime_code").get<uint64_t>() + f.at("kernel_code").get<uint64_t>() + f.at("model_data").get<uint64_t>() +
                f.at("other").get<uint64_t>(),
            j.at("flash_bytes").get<uint64_t>());
  const uint64_t arena = j.at("arena_bytes");
  EXPECT_EQ(arena, static_cast<uint64_t>(exported_arena(dir_ / "fw/firmware")));
  EXPECT_GT(j.at("ram_bytes").get<uint64_t>(), arena + j.at("stack_bytes").get<uint64_t>());
  EXPECT_EQ(j.at("firmware"), (dir_ / "fw/firmware/firmware.elf").string());
}

TEST_F(MoteBenchTarget, MissingToolsAreNamedWithTheirDebianPackage) {
  if (mote::testing::shared_dir().empty()) GTEST_SKIP() << "../shared/conformance not found";
  const std::string hello = (fs::path(mote::testing::shared_dir()) / "conformance/core/hello_world_int8/model.tflite").string();
  // No compiler on PATH.
  fs::create_directories(dir_ / "bin");
  Result r = mote("bench " + quote(hello) + " --target riscv32", "PATH=" + quote((dir_ / "bin").string()));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "mote: riscv64-unknown-elf-gcc not found: install the Debian package gcc-riscv64-unknown-elf "
                   "(apt-get install gcc-riscv64-unknown-elf)\n");
  r = mote("bench " + quote(hello) + " --target cortex-m7", "PATH=" + quote((dir_ / "bin").string()));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("install the Debian package gcc-arm-none-eabi"), std::string::npos) << r.err;
  // The compiler but no QEMU.
  if (!have_tool("riscv64-unknown-elf-gcc") || !fs::exists("/usr/lib/picolibc/riscv64-unknown-elf/picolibc.specs"))
    GTEST_SKIP() << "the QEMU half needs gcc-riscv64-unknown-elf and picolibc-riscv64-unknown-elf";
  fs::create_symlink("/usr/bin/riscv64-unknown-elf-gcc", dir_ / "bin/riscv64-unknown-elf-gcc");
  r = mote("bench " + quote(hello) + " --target riscv32", "PATH=" + quote((dir_ / "bin").string()));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "mote: qemu-system-riscv32 not found: install the Debian package qemu-system-misc "
                   "(apt-get install qemu-system-misc)\n");
}

TEST_F(MoteBenchTarget, UsageErrors) {
  if (mote::testing::shared_dir().empty()) GTEST_SKIP() << "../shared/conformance not found";
  const std::string hello = (fs::path(mote::testing::shared_dir()) / "conformance/core/hello_world_int8/model.tflite").string();
  Result r = mote("bench " + quote(hello) + " --target avr");
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("avr"), std::string::npos) << r.err;
  r = mote("bench " + quote(hello) + " --target riscv32 --iterations 3");
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_EQ(r.err, "mote: --iterations and --warmup time the host run; they do not apply with --target\n");
  r = mote("bench " + quote(hello) + " --build-dir " + quote(dir_.string()));
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "mote: --build-dir only applies with --target\n");
  const std::string in = (fs::path(mote::testing::shared_dir()) / "conformance/core/hello_world_int8/input_0_0.bin").string();
  r = mote("bench " + quote(hello) + " --target riscv32 -i " + quote(in) + " -i " + quote(in));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("has 1 input(s), but 2 --input file(s) were given"), std::string::npos) << r.err;
}
