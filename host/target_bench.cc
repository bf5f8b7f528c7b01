#include "host/target_bench.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "host/error.h"
#include "host/files.h"
#include "host/session.h"
#include "host/tensor_io.h"

namespace mote::host {

namespace {

namespace fs = std::filesystem;

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct CommandResult {
  int status = -1;
  std::string out;
  std::string err;
};

// Runs `cmd` with /bin/sh, stdout and stderr captured through files in `dir`.
CommandResult run_command(const std::string& cmd, const fs::path& dir, const std::string& tag) {
  const fs::path out = dir / (tag + ".out"), err = dir / (tag + ".err");
  const int raw = std::system(("(" + cmd + ") </dev/null >" + quote(out.string()) + " 2>" + quote(err.string())).c_str());
  CommandResult r;
  r.status = raw == -1 || !WIFEXITED(raw) ? -1 : WEXITSTATUS(raw);
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

bool have_tool(const std::string& tool) { return std::system(("command -v " + quote(tool) + " >/dev/null 2>&1").c_str()) == 0; }

void require_tool(const std::string& tool, const std::string& package) {
  if (!have_tool(tool))
    throw HostError(tool + " not found: install the Debian package " + package + " (apt-get install " + package + ")");
}

// The last `n` non-empty lines of `text`, joined with " | " (errors are one line).
std::string last_lines(const std::string& text, size_t n) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (line.find_first_not_of(" \t\r") != std::string::npos) lines.push_back(line);
  std::string out;
  for (size_t i = lines.size() > n ? lines.size() - n : 0; i < lines.size(); ++i) out += (out.empty() ? "" : " | ") + lines[i];
  return out;
}

// A temporary directory removed at scope exit (unless keep).
class WorkDir {
 public:
  explicit WorkDir(const std::string& given) {
    if (!given.empty()) {
      std::error_code ec;
      fs::create_directories(given, ec);
      if (ec) throw HostError(given + ": cannot create the build directory: " + ec.message());
      path_ = fs::absolute(given);
      keep_ = true;
      return;
    }
    std::string tmpl = (fs::temp_directory_path() / "mote_bench_XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw HostError("cannot create a temporary directory in " + fs::temp_directory_path().string());
    path_ = tmpl;
  }
  ~WorkDir() {
    std::error_code ec;
    if (!keep_) fs::remove_all(path_, ec);
  }
  WorkDir(const WorkDir&) = delete;
  WorkDir& operator=(const WorkDir&) = delete;
  const fs::path& path() const { return path_; }
  bool keep() const { return keep_; }

 private:
  fs::path path_;
  bool keep_ = false;
};

// Lowercase hex pairs to bytes; false on an odd length or a character outside [0-9a-f].
bool from_hex(const std::string& hex, std::vector<uint8_t>* out) {
  if (hex.size() % 2) return false;
  auto nibble = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1; };
  out->clear();
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<uint8_t>(hi * 16 + lo));
  }
  return true;
}

// "mote: output <j> <hex>" -> j and the bytes. Parsed by hand: outputs can be tens of kilobytes
// of hex, which std::regex matches recursively (one stack frame per character).
bool parse_output_line(const std::string& line, size_t* index, std::vector<uint8_t>* bytes) {
  static const std::string prefix = "mote: output ";
  if (line.compare(0, prefix.size(), prefix) != 0) return false;
  size_t pos = prefix.size(), j = 0;
  const size_t digits = pos;
  while (pos < line.size() && line[pos] >= '0' && line[pos] <= '9' && pos - digits < 9) j = j * 10 + static_cast<size_t>(line[pos++] - '0');
  if (pos == digits || pos >= line.size() || line[pos] != ' ') return false;
  size_t end = line.size();
  while (end > pos + 1 && (line[end - 1] == ' ' || line[end - 1] == '\r' || line[end - 1] == '\t')) --end;
  if (!from_hex(line.substr(pos + 1, end - pos - 1), bytes)) return false;
  *index = j;
  return true;
}

}  // namespace

FirmwareOutput parse_firmware_output(const std::string& text) {
  FirmwareOutput f;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    unsigned long long v = 0;
    size_t j = 0;
    std::vector<uint8_t> bytes;
    if (line.rfind("mote: ok", 0) == 0) f.ok = true;
    if (line.rfind("mote: error", 0) == 0 && f.error.empty()) f.error = line;
    if (std::sscanf(line.c_str(), "mote: arena_bytes %llu", &v) == 1) f.arena_bytes = v;
    if (std::sscanf(line.c_str(), "mote: stack_bytes %llu", &v) == 1) f.stack_bytes = v;
    if (parse_output_line(line, &j, &bytes)) {
      if (f.outputs.size() <= j) f.outputs.resize(j + 1);
      f.outputs[j] = std::move(bytes);
    }
  }
  return f;
}

namespace {

std::vector<uint64_t> parse_counts(const std::string& text) {
  std::vector<uint64_t> v;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    unsigned long long n = 0;
    if (std::sscanf(line.c_str(), "insn_count: %llu", &n) == 1) v.push_back(n);
  }
  return v;
}

// For a `readelf -S -W` row "  [ 3] .data  PROGBITS ...": the position of ']'; npos for any other
// line (the "[Nr] Name Type ..." header included).
size_t section_row(const std::string& line) {
  const size_t open = line.find('['), close = line.find(']');
  if (open == std::string::npos || close == std::string::npos || close < open + 2) return std::string::npos;
  for (size_t i = open + 1; i < close; ++i)
    if (line[i] != ' ' && (line[i] < '0' || line[i] > '9')) return std::string::npos;
  return close;
}

fs::path self_executable() {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw HostError("cannot find the mote executable (/proc/self/exe): " + ec.message());
  return p;
}

}  // namespace

const std::vector<TargetInfo>& firmware_targets() {
  static const std::vector<TargetInfo> targets = {
      {"cortex-m4", "Cortex-M4F on qemu-system-arm -M mps2-an386", "arm-none-eabi-gcc", "gcc-arm-none-eabi",
       "arm-none-eabi-readelf", "qemu-system-arm", "qemu-system-arm"},
      {"cortex-m7", "Cortex-M7 on qemu-system-arm -M mps2-an500", "arm-none-eabi-gcc", "gcc-arm-none-eabi",
       "arm-none-eabi-readelf", "qemu-system-arm", "qemu-system-arm"},
      {"cortex-m55", "Cortex-M55 (Helium) on qemu-system-arm -M mps3-an547", "arm-none-eabi-gcc", "gcc-arm-none-eabi",
       "arm-none-eabi-readelf", "qemu-system-arm", "qemu-system-arm"},
      {"riscv32", "RV32IMAC on qemu-system-riscv32 -M virt", "riscv64-unknown-elf-gcc", "gcc-riscv64-unknown-elf",
       "riscv64-unknown-elf-readelf", "qemu-system-riscv32", "qemu-system-misc"},
  };
  return targets;
}

const TargetInfo& firmware_target(const std::string& name) {
  std::string names;
  for (const TargetInfo& t : firmware_targets()) {
    if (t.name == name) return t;
    names += (names.empty() ? "" : ", ") + t.name;
  }
  throw HostError("unknown target '" + name + "' (targets: " + names + ")");
}

void check_target_tools(const TargetInfo& t) {
  require_tool(t.compiler, t.compiler_package);
  if (t.compiler == "arm-none-eabi-gcc") {
    const std::string probe = "test -f \"$(arm-none-eabi-gcc -print-file-name=nano.specs)\"";
    if (std::system(probe.c_str()) != 0)
      throw HostError("newlib for arm-none-eabi not found: install the Debian package libnewlib-arm-none-eabi "
                      "(apt-get install libnewlib-arm-none-eabi)");
  } else if (!fs::exists("/usr/lib/picolibc/riscv64-unknown-elf/picolibc.specs")) {
    throw HostError("picolibc for riscv64-unknown-elf not found: install the Debian package picolibc-riscv64-unknown-elf "
                    "(apt-get install picolibc-riscv64-unknown-elf)");
  }
  require_tool(t.qemu, t.qemu_package);
  require_tool("cmake", "cmake");
  require_tool("cc", "gcc");
}

std::string source_root() {
  const char* env = std::getenv("MOTE_ROOT");
  const fs::path root = env && *env ? fs::path(env) : fs::path(__FILE__).parent_path().parent_path();
  if (!fs::exists(root / "targets/build_firmware.sh"))
    throw HostError("the mote source tree was not found at " + root.string() +
                    " (mote bench --target builds firmware from its targets/ folder): set MOTE_ROOT to the checkout");
  return root.string();
}

SectionSizes parse_section_table(const std::string& readelf_output) {
  SectionSizes s;
  std::istringstream in(readelf_output);
  std::string line;
  while (std::getline(in, line)) {
    const size_t close = section_row(line);
    if (close == std::string::npos) continue;
    std::istringstream fields(line.substr(close + 1));
    std::vector<std::string> tok;
    for (std::string t; fields >> t;) tok.push_back(t);
    // name type addr off size es [flags] lk inf al
    if (tok.size() < 9 || tok.size() > 10 || tok[1] == "NULL") continue;
    const std::string flags = tok.size() == 10 ? tok[6] : "";
    if (flags.find('A') == std::string::npos) continue;
    const uint64_t size = std::stoull(tok[4], nullptr, 16);
    if (tok[1] != "NOBITS") {
      s.flash += size;
      s.flash_sections.push_back(tok[0]);
    }
    if (flags.find('W') != std::string::npos) s.ram += size;
  }
  return s;
}

namespace {

enum class Part { kRuntime, kKernel, kModel, kOther };

// Finds which runtime object an archive member came from: runtime/, runtime/kernels/ or
// runtime/ops/ (member names repeat across the last two).
class RuntimeObjects {
 public:
  explicit RuntimeObjects(std::string readelf) : readelf_(std::move(readelf)) {}

  Part classify(const fs::path& archive, const std::string& member, const std::string& section, uint64_t size) {
    const fs::path dir = archive.parent_path() / "CMakeFiles/mote_runtime.dir";
    struct Candidate {
      fs::path object;
      Part part;
    };
    std::vector<Candidate> found;
    for (const Candidate& c : {Candidate{dir / member, Part::kRuntime}, Candidate{dir / "kernels" / member, Part::kKernel},
                               Candidate{dir / "ops" / member, Part::kRuntime}})
      if (fs::exists(c.object)) found.push_back(c);
    if (found.size() == 1) return found[0].part;
    if (found.empty()) return member.empty() ? Part::kOther : Part::kRuntime;
    std::vector<Part> by_name, by_size;
    for (const Candidate& c : found) {
      const std::map<std::string, uint64_t>& secs = sections(c.object);
      auto it = secs.find(section);
      if (it == secs.end()) continue;
      by_name.push_back(c.part);
      if (it->second == size) by_size.push_back(c.part);
    }
    if (by_size.size() == 1) return by_size[0];
    if (by_name.size() == 1) return by_name[0];
    return Part::kRuntime;
  }

 private:
  const std::map<std::string, uint64_t>& sections(const fs::path& object) {
    auto it = cache_.find(object.string());
    if (it != cache_.end()) return it->second;
    std::map<std::string, uint64_t>& secs = cache_[object.string()];
    FILE* p = popen((readelf_ + " -S -W " + quote(object.string()) + " 2>/dev/null").c_str(), "r");
    if (!p) return secs;
    std::string text;
    char buf[4096];
    for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) text.append(buf, n);
    pclose(p);
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      const size_t close = section_row(line);
      if (close == std::string::npos) continue;
      std::istringstream fields(line.substr(close + 1));
      std::vector<std::string> tok;
      for (std::string t; fields >> t;) tok.push_back(t);
      if (tok.size() >= 9) secs[tok[0]] = std::stoull(tok[4], nullptr, 16);
    }
    return secs;
  }

  std::string readelf_;
  std::map<std::string, std::map<std::string, uint64_t>> cache_;
};

Part classify_input(const std::string& file, const std::string& section, uint64_t size, const std::string& model_object,
                    RuntimeObjects& objects) {
  const size_t open = file.rfind(".a(");
  if (open != std::string::npos && file.back() == ')') {
    const fs::path archive = file.substr(0, open + 2);
    if (archive.filename() != "libmote_runtime.a") return Part::kOther;
    const std::string member = file.substr(open + 3, file.size() - open - 4);
    return objects.classify(archive, member, section, size);
  }
  if (fs::path(file).filename() == model_object) return section.rfind(".text", 0) == 0 ? Part::kRuntime : Part::kModel;
  return Part::kOther;
}

}  // namespace

void split_flash(const std::string& map_text, const SectionSizes& sections, const std::string& model_object,
                 const std::string& readelf, FlashSplit* flash) {
  const size_t start = map_text.find("Linker script and memory map");
  std::istringstream in(start == std::string::npos ? std::string() : map_text.substr(start));
  const std::regex placed(R"(^\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)\s+(\S.*?)\s*$)");
  const std::regex named(R"(^ (\.\S+|COMMON)(?:\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)\s+(\S.*?))?\s*$)");
  RuntimeObjects objects(readelf);
  bool in_flash = false;
  std::string pending;
  std::string line;
  std::smatch m;
  auto add = [&](const std::string& section, uint64_t size, const std::string& file) {
    if (!in_flash || size == 0) return;
    switch (classify_input(file, section, size, model_object, objects)) {
      case Part::kRuntime: flash->runtime_code += size; break;
      case Part::kKernel: flash->kernel_code += size; break;
      case Part::kModel: flash->model_data += size; break;
      case Part::kOther: break;
    }
  };
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line[0] != ' ') {  // an output section (or a LOAD / directive line)
      std::istringstream fields(line);
      std::string name;
      fields >> name;
      in_flash = false;
      for (const std::string& s : sections.flash_sections) in_flash = in_flash || s == name;
      pending.clear();
      continue;
    }
    if (std::regex_match(line, m, named)) {
      if (m[2].matched) {
        add(m[1].str(), std::stoull(m[3].str(), nullptr, 16), m[4].str());
        pending.clear();
      } else {
        pending = m[1].str();
      }
      continue;
    }
    if (!pending.empty() && std::regex_match(line, m, placed)) add(pending, std::stoull(m[2].str(), nullptr, 16), m[3].str());
    pending.clear();
  }
  const uint64_t parts = flash->runtime_code + flash->kernel_code + flash->model_data;
  flash->other = flash->total > parts ? flash->total - parts : 0;
}

namespace {

// Inputs and host outputs: the exact input bytes the host interpreter ran, written as .bin.
std::vector<std::string> run_on_host(const TargetBenchOptions& o, const fs::path& dir, TargetBenchResult* r) {
  Session s(o.model_path);
  Interpreter& interp = s.interp();
  if (!o.inputs.empty() && static_cast<int>(o.inputs.size()) != interp.num_inputs())
    throw HostError(o.model_path + " has " + std::to_string(interp.num_inputs()) + " input(s), but " +
                    std::to_string(o.inputs.size()) + " input file(s) were given");
  if (o.inputs.empty()) {
    fill_generated_inputs(interp, o.sample, o.range);
  } else {
    for (int i = 0; i < interp.num_inputs(); ++i) load_input(interp, i, o.inputs[static_cast<size_t>(i)]);
  }
  std::vector<std::string> files;
  for (int i = 0; i < interp.num_inputs(); ++i) {
    const TensorRef in = interp.input(i);
    files.push_back((dir / ("input_" + std::to_string(i) + ".bin")).string());
    write_file(files.back(), in.data, in.bytes);
  }
  s.invoke();
  for (int j = 0; j < interp.num_outputs(); ++j) {
    const TensorRef out = interp.output(j);
    const uint8_t* p = static_cast<const uint8_t*>(out.data);
    r->host_outputs.emplace_back(p, p + out.bytes);
  }
  return files;
}

// targets/build_firmware.sh; returns the firmware directory.
fs::path build_firmware(const TargetBenchOptions& o, const std::string& root, const fs::path& dir,
                        const std::vector<std::string>& inputs) {
  const fs::path fw = dir / "firmware";
  const std::string cli = o.mote_cli.empty() ? self_executable().string() : o.mote_cli;
  std::string cmd = "MOTE_CLI=" + quote(cli) + " " + quote(root + "/targets/build_firmware.sh") + " " + quote(o.target) + " " +
                    quote(fs::absolute(o.model_path).string()) + " " + quote(fw.string());
  for (const std::string& f : inputs) cmd += " " + quote(f);
  const CommandResult b = run_command(cmd, dir, "build");
  if (b.status == 0) return fw;
  if (b.err.find("overflowed") != std::string::npos)
    throw HostError(o.model_path + " does not fit the " + o.target + " target's memory: " + last_lines(b.err, 2));
  throw HostError("firmware build for " + o.target + " failed: " + last_lines(b.err, 3) + " (log: " + (dir / "build.err").string() + ")");
}

// Runs the firmware under QEMU with the counter; fills instructions, arena, stack and outputs.
void run_firmware(const std::string& root, const fs::path& dir, const fs::path& fw, const std::string& target,
                  TargetBenchResult* r) {
  const CommandResult p = run_command(quote(root + "/targets/qemu-plugin/build.sh") + " " + quote((dir / "plugin").string()), dir, "plugin");
  if (p.status != 0) throw HostError("building the QEMU instruction counter failed: " + last_lines(p.err, 3));
  std::string qemu = slurp(fw / "qemu.txt");
  while (!qemu.empty() && (qemu.back() == '\n' || qemu.back() == ' ')) qemu.pop_back();
  if (qemu.empty()) throw HostError((fw / "qemu.txt").string() + ": missing: the firmware build did not say how to run it");
  const fs::path counts = dir / "insn_count.txt";
  std::error_code ec;
  fs::remove(counts, ec);
  const std::string plugin = (dir / "plugin/libinsn_count.so").string() + ",out=" + counts.string();
  const CommandResult q = run_command("timeout 3600 " + qemu + " -plugin " + quote(plugin), dir, "qemu");
  const FirmwareOutput f = parse_firmware_output(q.out + "\n" + q.err);
  if (q.status != 0 || !f.ok)
    throw HostError("the firmware failed under QEMU on " + target + " (exit status " + std::to_string(q.status) + "): " +
                    (f.error.empty() ? last_lines(q.out + "\n" + q.err, 3) : f.error));
  const std::vector<uint64_t> n = parse_counts(slurp(counts));
  if (n.size() != 1)
    throw HostError("the instruction counter saw " + std::to_string(n.size()) + " marker regions (expected 1): " +
                    last_lines(slurp(counts) + q.err, 3));
  r->instructions = n[0];
  r->arena_bytes = f.arena_bytes;
  r->stack_bytes = f.stack_bytes;
  r->target_outputs = f.outputs;
}

void measure_sizes(const TargetInfo& t, const fs::path& dir, const fs::path& fw, TargetBenchResult* r) {
  const CommandResult e = run_command(t.readelf + " -S -W " + quote((fw / "firmware.elf").string()), dir, "readelf");
  if (e.status != 0) throw HostError(t.readelf + " failed on " + (fw / "firmware.elf").string() + ": " + last_lines(e.err, 2));
  const SectionSizes s = parse_section_table(e.out);
  r->flash.total = s.flash;
  r->ram_bytes = s.ram;
  split_flash(slurp(fw / "firmware.map"), s, "app_model.cc.o", t.readelf, &r->flash);
}

}  // namespace

TargetBenchResult bench_on_target(const TargetBenchOptions& o) {
  const TargetInfo& t = firmware_target(o.target);
  check_target_tools(t);
  const std::string root = source_root();
  WorkDir dir(o.build_dir);
  TargetBenchResult r;
  r.target = t.name;
  r.description = t.description;
  const std::vector<std::string> inputs = run_on_host(o, dir.path(), &r);
  const fs::path fw = build_firmware(o, root, dir.path(), inputs);
  run_firmware(root, dir.path(), fw, t.name, &r);
  measure_sizes(t, dir.path(), fw, &r);
  r.output_matches_host = r.target_outputs == r.host_outputs;
  if (dir.keep()) r.firmware = (fw / "firmware.elf").string();
  return r;
}

}  // namespace mote::host
