// The drop-in packages (packaging/): the ESP-IDF component, the Arduino library and the PlatformIO
// library list exactly the runtime's sources, carry the same version, and the runtime compiles with
// the flags those build systems use:
//   ESP-IDF 5.x  C++ as gnu++2b, -Os, no exceptions, no RTTI (host g++ stands in for xtensa-esp32-elf,
//                which Debian does not ship) and the ESP32-C3's rv32imc (riscv64-unknown-elf-gcc)
//   Arduino      gnu++17, -Os, no exceptions, no RTTI for a Cortex-M4F mbed core (arm-none-eabi-g++)
// packaging/make_packages.sh assembles the packages; the tests run it into a temporary directory.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/version.h"

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

// Files directly in `dir` (relative to `base`) whose name ends with `ext`.
std::set<std::string> files_with(const fs::path& base, const std::string& dir, const std::string& ext) {
  std::set<std::string> out;
  if (!fs::is_directory(base / dir)) return out;
  for (const auto& e : fs::directory_iterator(base / dir)) {
    const std::string name = e.path().filename().string();
    if (e.is_regular_file() && name.size() > ext.size() && name.compare(name.size() - ext.size(), ext.size(), ext) == 0)
      out.insert(dir + "/" + name);
  }
  return out;
}

// runtime/*.cc, runtime/kernels/*.cc, runtime/ops/*.cc of the checkout, as relative paths.
std::set<std::string> runtime_sources(const std::string& ext = ".cc") {
  std::set<std::string> s;
  for (const char* dir : {"runtime", "runtime/kernels", "runtime/ops"}) {
    std::set<std::string> part = files_with(source_root(), dir, ".cc");
    for (std::string f : part) s.insert(f.substr(0, f.size() - 3) + ext);
  }
  return s;
}

std::set<std::string> runtime_headers() {
  std::set<std::string> s;
  for (const char* dir : {"runtime", "runtime/kernels", "runtime/ops"})
    for (const char* ext : {".h", ".inc"}) {
      std::set<std::string> part = files_with(source_root(), dir, ext);
      s.insert(part.begin(), part.end());
    }
  return s;
}

// key=value lines of a .properties file.
std::map<std::string, std::string> properties(const std::string& text) {
  std::map<std::string, std::string> m;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const size_t eq = line.find('=');
    if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
    m[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return m;
}

// The sources an ESP-IDF CMakeLists.txt lists: every "${MOTE_ROOT}/..." string.
std::set<std::string> idf_sources(const std::string& cmake) {
  std::set<std::string> s;
  const std::regex re("\"\\$\\{MOTE_ROOT\\}/([^\"]+)\"");
  for (auto it = std::sregex_iterator(cmake.begin(), cmake.end(), re); it != std::sregex_iterator(); ++it)
    s.insert((*it)[1].str());
  return s;
}

TEST(Packaging, EspIdfComponentListsEveryRuntimeSourceExactly) {
  const std::string cmake = slurp(source_root() / "packaging/esp-idf/mote/CMakeLists.txt");
  ASSERT_FALSE(cmake.empty());
  const std::set<std::string> listed = idf_sources(cmake);
  const std::set<std::string> expected = runtime_sources();
  ASSERT_GE(expected.size(), 40u);
  std::vector<std::string> missing, extra;
  std::set_difference(expected.begin(), expected.end(), listed.begin(), listed.end(), std::back_inserter(missing));
  std::set_difference(listed.begin(), listed.end(), expected.begin(), expected.end(), std::back_inserter(extra));
  EXPECT_TRUE(missing.empty()) << "not listed in packaging/esp-idf/mote/CMakeLists.txt: " << ::testing::PrintToString(missing);
  EXPECT_TRUE(extra.empty()) << "listed but not in runtime/: " << ::testing::PrintToString(extra);
  EXPECT_NE(cmake.find("idf_component_register("), std::string::npos);
  EXPECT_NE(cmake.find("INCLUDE_DIRS \"${MOTE_ROOT}\""), std::string::npos);
  const std::string yml = slurp(source_root() / "packaging/esp-idf/mote/idf_component.yml");
  EXPECT_NE(yml.find("version: \"" + std::string(mote::host::version()) + "\""), std::string::npos) << yml;
  EXPECT_NE(yml.find("esp32c3"), std::string::npos);
}

TEST(Packaging, ArduinoLibraryPropertiesAreComplete) {
  const std::map<std::string, std::string> p = properties(slurp(source_root() / "packaging/arduino/library.properties"));
  for (const char* key : {"name", "version", "author", "maintainer", "sentence", "paragraph", "category", "architectures", "includes"}) {
    auto it = p.find(key);
    ASSERT_NE(it, p.end()) << key;
    EXPECT_FALSE(it->second.empty()) << key;
  }
  EXPECT_EQ(p.at("name"), "mote");
  EXPECT_EQ(p.at("version"), mote::host::version());
  EXPECT_EQ(p.at("includes"), "mote.h");
  const std::set<std::string> categories = {"Display", "Communication", "Signal Input/Output", "Sensors", "Device Control",
                                            "Timing", "Data Storage", "Data Processing", "Other", "Uncategorized"};
  EXPECT_TRUE(categories.count(p.at("category"))) << p.at("category");
  // The runtime needs a 32-bit int: 8-bit AVR cores cannot run it.
  EXPECT_EQ(p.at("architectures").find("avr"), std::string::npos);
  EXPECT_NE(p.at("architectures"), "*");
}

TEST(Packaging, PlatformioLibraryJsonSelectsEveryRuntimeSourceExactly) {
  const nlohmann::json j = nlohmann::json::parse(slurp(source_root() / "packaging/platformio/library.json"));
  EXPECT_EQ(j.at("name"), "mote");
  EXPECT_EQ(j.at("version"), mote::host::version());
  const nlohmann::json& b = j.at("build");
  EXPECT_EQ(b.at("srcDir"), "src");
  EXPECT_EQ(b.at("includeDir"), "src");
  std::set<std::string> flags;
  for (const auto& f : b.at("flags")) flags.insert(f.get<std::string>());
  for (const char* f : {"-std=gnu++17", "-fno-exceptions", "-fno-rtti"}) EXPECT_TRUE(flags.count(f)) << f;
  // Each filter is "+<dir/*.cc>": the union of the directories' .cc files must be the runtime's.
  std::set<std::string> selected;
  const std::regex re(R"(\+<([a-z/_]+)/\*\.cc>)");
  for (const auto& f : b.at("srcFilter")) {
    std::smatch m;
    const std::string s = f.get<std::string>();
    ASSERT_TRUE(std::regex_match(s, m, re)) << s;
    std::set<std::string> part = files_with(source_root(), m[1].str(), ".cc");
    selected.insert(part.begin(), part.end());
  }
  EXPECT_EQ(selected, runtime_sources());
}

// Runs packaging/make_packages.sh into a temporary directory shared by the tests below.
class Packages : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string tmpl = (fs::temp_directory_path() / "mote_packages_XXXXXX").string();
    if (!mkdtemp(tmpl.data())) return;
    dir_ = new fs::path(tmpl);
    const std::string cmd = quote((source_root() / "packaging/make_packages.sh").string()) + " " + quote(tmpl) + " >/dev/null";
    ok_ = std::system(cmd.c_str()) == 0;
  }
  static void TearDownTestSuite() {
    if (dir_) fs::remove_all(*dir_);
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(dir_ && ok_) << "packaging/make_packages.sh failed"; }

  // Compiles every file of `sources` (relative to `base`) with `compiler flags... -I base -c`,
  // two at a time; returns the command lines that failed, with the compiler's first errors.
  static std::string compile_all(const fs::path& base, const std::set<std::string>& sources, const std::string& command) {
    const fs::path list = *dir_ / "sources.txt";
    const fs::path log = *dir_ / "compile.log";
    {
      std::ofstream out(list);
      for (const std::string& s : sources) out << (base / s).string() << "\n";
    }
    const std::string cmd = "xargs -P2 -n1 sh -c " +
                            quote(command + " -I " + quote(base.string()) + " -c \"$0\" -o /dev/null 2>&1 | head -n 8 || true") +
                            " <" + quote(list.string()) + " >" + quote(log.string()) + " 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0);
    return slurp(log);
  }

  static fs::path* dir_;
  static bool ok_;
};
fs::path* Packages::dir_ = nullptr;
bool Packages::ok_ = false;

TEST_F(Packages, EachPackageHoldsTheRuntimeExactly) {
  const fs::path idf = *dir_ / "esp-idf/mote", ard = *dir_ / "arduino/mote", pio = *dir_ / "platformio/mote";
  EXPECT_EQ(slurp(idf / "CMakeLists.txt"), slurp(source_root() / "packaging/esp-idf/mote/CMakeLists.txt"));
  EXPECT_TRUE(fs::exists(idf / "idf_component.yml"));
  EXPECT_TRUE(fs::exists(ard / "library.properties"));
  EXPECT_TRUE(fs::exists(ard / "src/mote.h"));
  EXPECT_TRUE(fs::exists(pio / "library.json"));
  EXPECT_TRUE(fs::exists(pio / "src/mote.h"));
  struct Expect {
    fs::path base;
    std::string ext;
  };
  for (const Expect& e : {Expect{idf, ".cc"}, Expect{ard / "src", ".cpp"}, Expect{pio / "src", ".cc"}}) {
    std::set<std::string> got;
    for (const char* dir : {"runtime", "runtime/kernels", "runtime/ops"})
      for (const char* ext : {".cc", ".cpp"}) {
        std::set<std::string> part = files_with(e.base, dir, ext);
        got.insert(part.begin(), part.end());
      }
    EXPECT_EQ(got, runtime_sources(e.ext)) << e.base;
    for (const std::string& h : runtime_headers())
      EXPECT_EQ(slurp(e.base / h), slurp(source_root() / h)) << e.base / h << " differs from " << h;
    for (const std::string& s : runtime_sources()) {
      const std::string packaged = s.substr(0, s.size() - 3) + e.ext;
      EXPECT_EQ(slurp(e.base / packaged), slurp(source_root() / s)) << e.base / packaged;
    }
  }
  // What the ESP-IDF component lists is what its folder holds.
  std::set<std::string> listed = idf_sources(slurp(idf / "CMakeLists.txt"));
  for (const std::string& s : listed) EXPECT_TRUE(fs::exists(idf / s)) << s;
}

TEST_F(Packages, RuntimeCompilesWithEspIdfFlagsOnTheHostCompiler) {
  if (!have_tool("g++")) GTEST_SKIP() << "no g++";
  const fs::path idf = *dir_ / "esp-idf/mote";
  const std::string log = compile_all(idf, idf_sources(slurp(idf / "CMakeLists.txt")),
                                      "g++ -std=gnu++2b -Os -fno-exceptions -fno-rtti -ffunction-sections -fdata-sections "
                                      "-Wall -Wextra -Werror");
  EXPECT_EQ(log, "") << log;
}

TEST_F(Packages, RuntimeCompilesForTheEsp32C3WithRiscvGcc) {
  if (!have_tool("riscv64-unknown-elf-gcc"))
    GTEST_SKIP() << "needs riscv64-unknown-elf-gcc: apt-get install gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf";
  const fs::path pio = *dir_ / "platformio/mote";
  // Debian's RISC-V gcc has no C++ standard headers: the runtime needs none (-nostdinc++).
  const std::string log = compile_all(pio / "src", runtime_sources(),
                                      "riscv64-unknown-elf-gcc -march=rv32imc -mabi=ilp32 --specs=picolibc.specs -x c++ "
                                      "-std=gnu++17 -nostdinc++ -Os -fno-exceptions -fno-rtti -ffunction-sections "
                                      "-fdata-sections -Wall -Wextra -Werror");
  EXPECT_EQ(log, "") << log;
}

TEST_F(Packages, ArduinoLibraryCompilesForACortexM4fMbedCore) {
  if (!have_tool("arm-none-eabi-g++")) GTEST_SKIP() << "needs arm-none-eabi-g++: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi";
  const fs::path src = *dir_ / "arduino/mote/src";
  std::set<std::string> sources = runtime_sources(".cpp");
  const std::string log = compile_all(src, sources,
                                      "arm-none-eabi-g++ -mcpu=cortex-m4 -mthumb -mfloat-abi=softfp -mfpu=fpv4-sp-d16 "
                                      "-std=gnu++17 -Os -fno-exceptions -fno-rtti -ffunction-sections -fdata-sections "
                                      "-nostdlib -Wall -Wextra -Werror");
  EXPECT_EQ(log, "") << log;
  // The library's top header compiles on its own, as a sketch would include it.
  const fs::path sketch = *dir_ / "sketch.cpp";
  std::ofstream(sketch) << "#include <mote.h>\nmote::Interpreter interp;\n";
  const std::string cmd = "arm-none-eabi-g++ -mcpu=cortex-m4 -mthumb -std=gnu++17 -Os -fno-exceptions -fno-rtti -Wall -Wextra "
                          "-Werror -I " + quote(src.string()) + " -c " + quote(sketch.string()) + " -o /dev/null";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

}  // namespace
