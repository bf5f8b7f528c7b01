// mote host library — a model ready to run: file loaded, every op registered, arena of exactly
// the planned size, interpreter prepared.
//
//   mote::host::Session s("kws.tflite");          // throws HostError naming the file on failure
//   mote::host::load_input(s.interp(), 0, "in.npy");
//   s.invoke();
//   mote::host::save_output(s.interp(), 0, "out.bin");
//
// The arena is allocated with Interpreter::plan's total_bytes — not a byte more — so every run on
// the host also checks that the plan the device would use is enough. Not copyable or movable:
// the interpreter points into the model, the resolver and the arena held here.
#pragma once

#include <memory>
#include <string>

#include "host/files.h"
#include "runtime/interpreter.h"
#include "runtime/op_resolver.h"

namespace mote::host {

class Session {
 public:
  explicit Session(const std::string& model_path);
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const std::string& path() const { return model_->path; }
  const mote::Model& model() const { return model_->model; }
  const mote::OpResolver& resolver() const { return resolver_; }
  mote::Interpreter& interp() { return interp_; }
  const mote::Interpreter& interp() const { return interp_; }
  const mote::ArenaPlan& plan() const { return interp_.arena_plan(); }

  // Runs every op; throws HostError with the runtime's message on failure.
  void invoke();

 private:
  std::unique_ptr<LoadedModel> model_;
  mote::OpResolver resolver_;
  AlignedBuffer arena_;
  mote::Interpreter interp_;
};

}  // namespace mote::host
