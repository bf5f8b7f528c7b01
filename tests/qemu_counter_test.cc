// The QEMU instruction counter (targets/qemu-plugin/insn_count.c) on probe firmwares whose regions
// have known instruction counts (targets/qemu-plugin/probe/*.S):
//   - exact counts, the same on two runs;
//   - an empty region (begin immediately followed by end) counts 0;
//   - a Thumb marker for which QEMU reports a 4-byte size (it peeked at the next halfword at the
//     end of a 1 KiB page) is still recognised;
//   - a RISC-V marker at a 2-mod-4 address that straddles a 4 KiB page is recognised;
//   - an end without a begin, and a run with no region, are reported at exit;
//   - an unknown plugin option makes QEMU refuse the plugin.
// Needs a host C compiler, qemu-system-arm + gcc-arm-none-eabi (Thumb) and qemu-system-misc +
// gcc-riscv64-unknown-elf (RISC-V); each test skips with the missing Debian package named.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

// The checkout: this file is <root>/tests/qemu_counter_test.cc.
fs::path source_root() { return fs::path(__FILE__).parent_path().parent_path(); }

bool have_tool(const std::string& tool) { return std::system(("command -v " + tool + " >/dev/null 2>&1").c_str()) == 0; }

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

struct Result {
  int status = -1;  // exit status, or -1 if the shell could not run it
  std::string out;
  std::string err;
};

// Runs a shell command with stdout/stderr captured in files under `dir`.
Result run(const std::string& cmd, const fs::path& dir) {
  const fs::path out = dir / "cmd.out", err = dir / "cmd.err";
  const std::string full = "(" + cmd + ") >" + quote(out.string()) + " 2>" + quote(err.string());
  const int raw = std::system(full.c_str());
  Result r;
  r.status = raw == -1 ? -1 : WEXITSTATUS(raw);
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

// The numbers of the `insn_count: N` lines, in order.
std::vector<long long> counts(const std::string& text) {
  std::vector<long long> v;
  std::istringstream in(text);
  std::string line;
  const std::string prefix = "insn_count: ";
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) != 0) continue;
    const std::string rest = line.substr(prefix.size());
    if (!rest.empty() && rest[0] >= '0' && rest[0] <= '9') v.push_back(std::stoll(rest));
  }
  return v;
}

class QemuCounter : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_tool("cc")) GTEST_SKIP() << "no host C compiler (cc): install gcc";
    std::string tmpl = (fs::temp_directory_path() / "mote_counter_XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    const Result b = run(quote((source_root() / "targets/qemu-plugin/build.sh").string()) + " " + quote(dir_.string()), dir_);
    ASSERT_EQ(b.status, 0) << b.out << b.err;
    plugin_ = dir_ / "libinsn_count.so";
    ASSERT_TRUE(fs::exists(plugin_));
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  // Builds targets/qemu-plugin/probe/<arch>_probe.S (or `source`) into an ELF.
  fs::path build_probe(const std::string& arch, const fs::path& source, const std::string& name) {
    const fs::path probe = source_root() / "targets/qemu-plugin/probe";
    const fs::path elf = dir_ / (name + ".elf");
    std::string cc = arch == "thumb" ? "arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb"
                                     : "riscv64-unknown-elf-gcc -march=rv32imac -mabi=ilp32";
    const Result r = run(cc + " -nostdlib -T " + quote((probe / (arch + "_probe.ld")).string()) + " " +
                             quote(source.string()) + " -o " + quote(elf.string()),
                         dir_);
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    return elf;
  }

  // Runs an ELF under QEMU with the counter; `options` are appended to the -plugin argument.
  Result run_qemu(const std::string& arch, const fs::path& elf, const std::string& options = "") {
    const std::string machine = arch == "thumb" ? "qemu-system-arm -M mps2-an386" : "qemu-system-riscv32 -M virt -bios none";
    return run("timeout 60 " + machine + " -nographic -monitor none -serial none -semihosting-config enable=on,target=native -kernel " +
                   quote(elf.string()) + " -plugin " + quote(plugin_.string() + options),
               dir_);
  }

  fs::path dir_;
  fs::path plugin_;
};

bool have_thumb() { return have_tool("arm-none-eabi-gcc") && have_tool("qemu-system-arm"); }
bool have_riscv() { return have_tool("riscv64-unknown-elf-gcc") && have_tool("qemu-system-riscv32"); }
const char* kThumbMissing = "needs arm-none-eabi-gcc and qemu-system-arm: apt-get install gcc-arm-none-eabi qemu-system-arm";
const char* kRiscvMissing =
    "needs riscv64-unknown-elf-gcc and qemu-system-riscv32: apt-get install gcc-riscv64-unknown-elf qemu-system-misc";

TEST_F(QemuCounter, ThumbRegionsCountExactlyAndRepeat) {
  if (!have_thumb()) GTEST_SKIP() << kThumbMissing;
  const fs::path elf = build_probe("thumb", source_root() / "targets/qemu-plugin/probe/thumb_probe.S", "thumb_probe");
  // Regions: empty, 37 NOPs, movs + 10 x (subs, bne), 511 NOPs between markers at page ends.
  const std::vector<long long> expected = {0, 37, 21, 511};
  const fs::path out_file = dir_ / "counts.txt";
  const Result first = run_qemu("thumb", elf, ",out=" + out_file.string());
  ASSERT_EQ(first.status, 0) << first.err;
  EXPECT_EQ(counts(first.err), expected) << first.err;
  EXPECT_EQ(counts(slurp(out_file)), expected) << "out=FILE gets the same lines as stderr";
  const Result second = run_qemu("thumb", elf);
  ASSERT_EQ(second.status, 0) << second.err;
  EXPECT_EQ(counts(second.err), expected) << "a second run of the same firmware counts the same";
  EXPECT_EQ(first.err.find("error"), std::string::npos) << first.err;
}

TEST_F(QemuCounter, RiscvRegionsCountExactlyAndRepeat) {
  if (!have_riscv()) GTEST_SKIP() << kRiscvMissing;
  const fs::path elf = build_probe("riscv", source_root() / "targets/qemu-plugin/probe/riscv_probe.S", "riscv_probe");
  // Regions: empty, 37 c.nop, li + 10 x (addi, bnez), 5 c.nop before a page-straddling end marker.
  const std::vector<long long> expected = {0, 37, 21, 5};
  const Result first = run_qemu("riscv", elf);
  ASSERT_EQ(first.status, 0) << first.err;
  EXPECT_EQ(counts(first.err), expected) << first.err;
  const Result second = run_qemu("riscv", elf);
  ASSERT_EQ(second.status, 0) << second.err;
  EXPECT_EQ(counts(second.err), expected);
}

TEST_F(QemuCounter, UnmatchedMarkersAreReportedAtExit) {
  if (!have_thumb()) GTEST_SKIP() << kThumbMissing;
  // An end marker with no begin, then exit: nothing to count, two complaints.
  const fs::path src = dir_ / "unmatched.S";
  std::ofstream(src) << ".syntax unified\n.thumb\n.section .text,\"ax\"\n.word 0x20010000\n.word reset + 1\n"
                        ".globl reset\n.thumb_func\nreset:\n.inst.n 0xbfb0\nmovs r0, #0x18\nldr r1, =0x20026\n"
                        "bkpt 0xab\n.ltorg\n";
  const fs::path elf = build_probe("thumb", src, "unmatched");
  const Result r = run_qemu("thumb", elf);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(counts(r.err).empty()) << r.err;
  EXPECT_NE(r.err.find("insn_count: error: 1 end marker(s) without a begin"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("insn_count: error: no marker region executed"), std::string::npos) << r.err;
}

TEST_F(QemuCounter, UnknownOptionRefusesToLoad) {
  if (!have_thumb()) GTEST_SKIP() << kThumbMissing;
  const fs::path elf = build_probe("thumb", source_root() / "targets/qemu-plugin/probe/thumb_probe.S", "thumb_probe");
  const Result r = run_qemu("thumb", elf, ",colour=blue");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("unknown option 'colour=blue'"), std::string::npos) << r.err;
}

}  // namespace
