// mote host library — `mote bench MODEL --target T`: the model as firmware, measured under QEMU.
//
//   mote::host::TargetBenchOptions o;
//   o.model_path = "kws_ref_model.tflite";
//   o.target = "cortex-m4";                        // cortex-m4 | cortex-m7 | cortex-m55 | riscv32
//   mote::host::TargetBenchResult r = mote::host::bench_on_target(o);   // throws HostError
//   r.instructions;                                 // guest instructions of one invoke, exact
//
// Steps, each of which can fail with a one-line HostError naming what to do:
//   1. tools: the cross compiler, its C library, QEMU, cmake and a host C compiler must be
//      installed; a missing one is reported with the Debian package that provides it
//      ("qemu-system-riscv32 not found: install the Debian package qemu-system-misc");
//   2. inputs: the given .bin/.npy files, or generated sample k (host/inputs.h), written as .bin;
//   3. host run: the same inputs through the host interpreter (host/session.h);
//   4. firmware: targets/build_firmware.sh TARGET MODEL DIR INPUTS... (exports the model with
//      `mote export`, builds the runtime, bench_main and the board, links with a map file);
//   5. QEMU run with the instruction counter (targets/qemu-plugin): the firmware prints its arena,
//      output bytes and stack use; the plugin counts the instructions between the markers around
//      Interpreter::invoke;
//   6. sizes from the ELF section table and the linker map (below).
//
// Flash and RAM (from `readelf -S` of the image and the linker map):
//   flash_bytes   allocated sections with contents: code, constants, the model, the initial values
//                 of .data (what the image stores in flash)
//     runtime_code   input sections from runtime/*.cc and runtime/ops/*.cc, plus the generated
//                    NAME_register_ops (reader, planner, interpreter, op prepare/eval, messages)
//     kernel_code    input sections from runtime/kernels/*.cc
//     model_data     the exported model array
//     other          the rest: startup, board, bench_main, C library, libgcc, alignment padding
//   ram_bytes     allocated writable sections: .data, .bss (holding the arena), the stack
//                 reservation; stack_bytes is the deepest stack use the board measured.
// The runtime library is an archive whose members are named by file name only, and some names
// exist in both runtime/kernels and runtime/ops (softmax.cc, pad.cc, ...): such a member is resolved
// by finding the map's input section, by name and size, in the candidate object files beside the
// archive (CMake keeps them in CMakeFiles/mote_runtime.dir/{,kernels/,ops/}).
//
// The source tree (targets/, scripts) is found from this file's build-time location, or from the
// MOTE_ROOT environment variable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "host/inputs.h"

namespace mote::host {

// One firmware target.
struct TargetInfo {
  std::string name;         // "cortex-m4"
  std::string description;  // "Cortex-M4F on qemu-system-arm -M mps2-an386"
  std::string compiler;     // "arm-none-eabi-gcc"
  std::string compiler_package;
  std::string readelf;
  std::string qemu;         // "qemu-system-arm"
  std::string qemu_package;
};

// The targets `mote bench --target` accepts, in the order help text lists them.
const std::vector<TargetInfo>& firmware_targets();
// The target named `name`; throws HostError listing the valid names otherwise.
const TargetInfo& firmware_target(const std::string& name);

// Throws HostError naming the Debian package if a tool the target needs is missing.
void check_target_tools(const TargetInfo& t);

struct TargetBenchOptions {
  std::string model_path;
  std::string target;
  std::vector<std::string> inputs;  // one per model input; empty: generated sample `sample`
  int sample = 0;
  FloatRange range;
  std::string build_dir;  // where the firmware is built and kept; empty: a temporary directory, removed
  std::string mote_cli;   // the mote executable build_firmware.sh runs `mote export` with; empty: this process
};

struct FlashSplit {
  uint64_t total = 0;
  uint64_t runtime_code = 0;
  uint64_t kernel_code = 0;
  uint64_t model_data = 0;
  uint64_t other = 0;
};

struct TargetBenchResult {
  std::string target;
  std::string description;
  uint64_t instructions = 0;      // per inference (one invoke), from the counter
  uint64_t arena_bytes = 0;       // what the firmware's interpreter planned and used
  uint64_t stack_bytes = 0;       // deepest stack use (0 if the board does not report it)
  FlashSplit flash;
  uint64_t ram_bytes = 0;
  bool output_matches_host = false;
  std::vector<std::vector<uint8_t>> target_outputs;
  std::vector<std::vector<uint8_t>> host_outputs;
  std::string firmware;  // the ELF path if build_dir was given, else ""
};

TargetBenchResult bench_on_target(const TargetBenchOptions& o);

// What the example firmware (targets/common/bench_main.cc) printed: "mote: arena_bytes N",
// "mote: stack_bytes N", "mote: output <j> <lowercase hex>" per output, "mote: ok" or
// "mote: error ...". Lines it does not know are ignored; a malformed output line is skipped (the
// output then counts as missing).
struct FirmwareOutput {
  bool ok = false;
  std::string error;  // the first `mote: error ...` line, if any
  uint64_t arena_bytes = 0;
  uint64_t stack_bytes = 0;
  std::vector<std::vector<uint8_t>> outputs;  // index j = output j
};
FirmwareOutput parse_firmware_output(const std::string& text);

// ELF section sizes: flash = SHF_ALLOC sections with contents, RAM = SHF_ALLOC + SHF_WRITE
// sections (with or without contents). `readelf_output` is `readelf -S -W` text.
struct SectionSizes {
  uint64_t flash = 0;
  uint64_t ram = 0;
  std::vector<std::string> flash_sections;  // names, in section-table order
};
SectionSizes parse_section_table(const std::string& readelf_output);

// Splits flash from a GNU ld map file (see above). `model_object` is the file name of the object
// holding the exported model ("app_model.cc.o"); `readelf` reads the runtime's object files for
// ambiguous archive members. flash.total must already be set; other = total minus the three parts.
void split_flash(const std::string& map_text, const SectionSizes& sections, const std::string& model_object,
                 const std::string& readelf, FlashSplit* flash);

// The mote source tree: MOTE_ROOT if set, else the checkout this file was compiled from. Throws
// HostError if targets/build_firmware.sh is not there.
std::string source_root();

}  // namespace mote::host
