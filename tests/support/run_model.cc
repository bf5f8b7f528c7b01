#include "tests/support/run_model.h"

#include <cstring>

#include "runtime/model.h"
#include "tests/support/model_builder.h"

namespace mote::testing {

RunResult run_model(const std::vector<uint8_t>& model_bytes, const std::vector<std::vector<uint8_t>>& inputs,
                    const OpResolver* resolver) {
  RunResult r;
  AlignedModel m(model_bytes);
  Model model;
  Error err;
  auto failed = [&](Status s, Stage stage) {
    r.status = s;
    r.stage = stage;
    r.message = err.message;
    return s != Status::kOk;
  };
  if (failed(model.load(m.data(), m.size(), &err), Stage::kLoad)) return r;
  OpResolver all;
  if (resolver == nullptr) {
    register_all_ops(&all);
    resolver = &all;
  }
  std::vector<uint64_t> work((Interpreter::workspace_bytes(model) + 7) / 8 + 1);
  if (failed(Interpreter::plan(model, *resolver, work.data(), work.size() * 8, &r.plan, &err), Stage::kPlan)) return r;
  std::vector<uint64_t> arena(r.plan.total_bytes / 8 + 1);
  Interpreter interp;
  if (failed(interp.prepare(model, *resolver, arena.data(), r.plan.total_bytes, &err), Stage::kPrepare)) return r;
  if (static_cast<int>(inputs.size()) != interp.num_inputs()) {
    r.status = Status::kInvalidArgument;
    r.stage = Stage::kInvoke;
    r.message = "test gave " + std::to_string(inputs.size()) + " inputs, model has " + std::to_string(interp.num_inputs());
    return r;
  }
  for (int i = 0; i < interp.num_inputs(); ++i) {
    TensorRef t = interp.input(i);
    if (t.bytes != inputs[i].size()) {
      r.status = Status::kInvalidArgument;
      r.stage = Stage::kInvoke;
      r.message = "input " + std::to_string(i) + " is " + std::to_string(t.bytes) + " bytes, test gave " +
                  std::to_string(inputs[i].size());
      return r;
    }
    std::memcpy(t.data, inputs[i].data(), t.bytes);
  }
  if (failed(interp.invoke(&err), Stage::kInvoke)) return r;
  for (int j = 0; j < interp.num_outputs(); ++j) {
    TensorRef t = interp.output(j);
    const uint8_t* p = static_cast<const uint8_t*>(t.data);
    r.outputs.emplace_back(p, p + t.bytes);
  }
  r.stage = Stage::kDone;
  return r;
}

}  // namespace mote::testing
