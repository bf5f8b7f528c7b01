#include "tests/support/run_model.h"

#include <gtest/gtest.h>

#include <cstring>

#include "tests/support/test_support.h"

namespace mote::testing {

const std::vector<uint8_t>& RunResult::output(size_t i) const {
  static const std::vector<uint8_t> kNone;
  return i < outputs.size() ? outputs[i] : kNone;
}

OpResolver only_ops(std::initializer_list<const OpRegistration*> ops) {
  OpResolver r;
  for (const OpRegistration* op : ops) EXPECT_EQ(r.add(op), Status::kOk);
  return r;
}

PreparedModel::PreparedModel(const std::vector<uint8_t>& model_bytes, const OpResolver* resolver, size_t misalign)
    : bytes_(model_bytes, misalign) {
  Error err;
  auto failed = [&](Status s, Stage stage) {
    result_.status = s;
    result_.stage = stage;
    result_.message = err.message;
    return s != Status::kOk;
  };
  if (resolver) {
    resolver_ = *resolver;
  } else {
    register_all_ops(&resolver_);
  }
  if (failed(model_.load(bytes_.data(), bytes_.size(), &err), Stage::kLoad)) return;
  std::vector<uint64_t> work((Interpreter::workspace_bytes(model_) + 7) / 8 + 1);
  if (failed(Interpreter::plan(model_, resolver_, work.data(), work.size() * 8, &result_.plan, &err), Stage::kPlan))
    return;
  arena_.assign(result_.plan.total_bytes / 8 + 1, 0);
  if (failed(interp_.prepare(model_, resolver_, arena_.data(), result_.plan.total_bytes, &err), Stage::kPrepare))
    return;
  result_.stage = Stage::kInvoke;
}

RunResult PreparedModel::invoke(const std::vector<std::vector<uint8_t>>& inputs) {
  RunResult r = result_;
  if (!ok()) return r;
  auto refuse = [&](const std::string& message) {
    r.status = Status::kInvalidArgument;
    r.message = message;
    return r;
  };
  if (static_cast<int>(inputs.size()) != interp_.num_inputs())
    return refuse("test gave " + std::to_string(inputs.size()) + " inputs, model has " +
                  std::to_string(interp_.num_inputs()));
  for (int i = 0; i < interp_.num_inputs(); ++i) {
    TensorRef t = interp_.input(i);
    if (t.bytes != inputs[i].size())
      return refuse("input " + std::to_string(i) + " is " + std::to_string(t.bytes) + " bytes, test gave " +
                    std::to_string(inputs[i].size()));
    std::memcpy(t.data, inputs[i].data(), t.bytes);
  }
  Error err;
  r.status = interp_.invoke(&err);
  r.message = err.message;
  if (r.status != Status::kOk) return r;
  for (int j = 0; j < interp_.num_outputs(); ++j) {
    TensorRef t = interp_.output(j);
    const uint8_t* p = static_cast<const uint8_t*>(t.data);
    r.outputs.emplace_back(p, p + t.bytes);
    r.output_shapes.push_back(t.shape);
  }
  r.stage = Stage::kDone;
  return r;
}

RunResult run_model(const std::vector<uint8_t>& model_bytes, const std::vector<std::vector<uint8_t>>& inputs,
                    const OpResolver* resolver) {
  PreparedModel m(model_bytes, resolver);
  return m.invoke(inputs);
}

RunResult run_model(const std::vector<uint8_t>& model_bytes, const std::vector<std::vector<uint8_t>>& inputs,
                    std::initializer_list<const OpRegistration*> ops) {
  const OpResolver resolver = only_ops(ops);
  return run_model(model_bytes, inputs, &resolver);
}

RunResult prepare_model(const std::vector<uint8_t>& model_bytes, std::initializer_list<const OpRegistration*> ops) {
  const OpResolver resolver = only_ops(ops);
  return PreparedModel(model_bytes, &resolver).result();
}

RunResult run_case(const std::string& dir, int k, const OpResolver* resolver, size_t misalign) {
  PreparedModel m(read_file(dir + "/model.tflite"), resolver, misalign);
  if (!m.ok()) return m.result();
  std::vector<std::vector<uint8_t>> inputs;
  for (int i = 0; i < m.interpreter().num_inputs(); ++i)
    inputs.push_back(read_file(dir + "/input_" + std::to_string(k) + "_" + std::to_string(i) + ".bin"));
  return m.invoke(inputs);
}

int check_seanet_cases(const std::string& op, std::initializer_list<const OpRegistration*> ops, size_t misalign) {
  const std::string root = shared_dir();
  if (root.empty()) return 0;
  const OpResolver resolver = only_ops(ops);
  int ran = 0;
  for (;; ++ran) {
    const std::string dir = root + "/conformance/core/seanet/" + op + "/" + op + std::to_string(ran);
    if (!file_exists(dir + "/model.tflite")) break;
    SCOPED_TRACE(dir);
    RunResult r = run_case(dir, 0, &resolver, misalign);
    EXPECT_EQ(r.status, Status::kOk) << r.message;
    EXPECT_EQ(r.output(), read_file(dir + "/output_0_0.bin")) << "differs from TensorFlow Lite Micro";
  }
  return ran;
}

}  // namespace mote::testing
