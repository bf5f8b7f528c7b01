// mote host library — the one exception type the host library throws.
//
// Host code (the CLI, tools, tests) may use the standard library and exceptions; the runtime never
// does. Every HostError message is one line that names what failed — the file, the tensor, the
// numbers — ready to print after "mote: ".
//
//   try { auto m = mote::host::load_model("model.tflite"); }
//   catch (const mote::host::HostError& e) { std::fprintf(stderr, "mote: %s\n", e.what()); }
#pragma once

#include <stdexcept>
#include <string>

namespace mote::host {

class HostError : public std::runtime_error {
 public:
  explicit HostError(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace mote::host
