#include "host/session.h"

#include <vector>

#include "host/error.h"

namespace mote::host {

Session::Session(const std::string& model_path) : model_(load_model(model_path)) {
  mote::register_all_ops(&resolver_);
  const mote::Model& m = model_->model;
  std::vector<uint64_t> work(mote::Interpreter::workspace_bytes(m) / 8 + 1);
  mote::ArenaPlan plan;
  mote::Error err;
  mote::Status s = mote::Interpreter::plan(m, resolver_, work.data(), work.size() * 8, &plan, &err);
  if (s != mote::Status::kOk) throw HostError(model_path + ": cannot run: " + err.message);
  arena_ = AlignedBuffer(plan.total_bytes);
  s = interp_.prepare(m, resolver_, arena_.data(), arena_.size(), &err);
  if (s != mote::Status::kOk) throw HostError(model_path + ": prepare failed: " + err.message);
}

void Session::invoke() {
  mote::Error err;
  if (interp_.invoke(&err) != mote::Status::kOk) throw HostError(model_->path + ": invoke failed: " + err.message);
}

}  // namespace mote::host
