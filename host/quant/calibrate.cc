#include "host/quant/calibrate.h"

#include <cmath>
#include <memory>

#include "host/activations.h"
#include "host/error.h"
#include "host/ir/tflite_writer.h"
#include "host/quant/calib_data.h"
#include "runtime/op_resolver.h"

namespace mote::quant {

using host::HostError;

MemoryModel::MemoryModel(const std::vector<uint8_t>& data, const std::string& name) : bytes(data.size()) {
  std::copy(data.begin(), data.end(), bytes.data());
  mote::Error err;
  if (model.load(bytes.data(), bytes.size(), &err) != mote::Status::kOk)
    throw HostError(name + " does not load: " + err.message);
  mote::register_all_ops(&resolver);
  std::vector<uint64_t> work(mote::Interpreter::workspace_bytes(model) / 8 + 1);
  mote::ArenaPlan plan;
  if (mote::Interpreter::plan(model, resolver, work.data(), work.size() * 8, &plan, &err) != mote::Status::kOk)
    throw HostError(name + " cannot run in mote: " + err.message);
  arena = host::AlignedBuffer(plan.total_bytes);
  if (interp.prepare(model, resolver, arena.data(), arena.size(), &err) != mote::Status::kOk)
    throw HostError(name + ": prepare failed: " + err.message);
}

namespace {

void check_finite(const std::vector<float>& v, const std::string& what, size_t sample, const std::string& name) {
  for (size_t i = 0; i < v.size(); ++i)
    if (!std::isfinite(v[i]))
      throw HostError(name + ": " + what + " has a non-finite value (" + std::to_string(v[i]) + " at index " +
                      std::to_string(i) + ") for calibration sample " + std::to_string(sample));
}

}  // namespace

void check_samples(const ir::Graph& g, const std::vector<std::vector<float>>& samples, const std::string& name) {
  if (samples.empty()) throw HostError(name + ": no calibration samples (the calibration set is empty)");
  const ir::Tensor& in = g.tensors[g.inputs[0]];
  const size_t want = static_cast<size_t>(in.elements());
  for (size_t s = 0; s < samples.size(); ++s) {
    if (samples[s].size() != want)
      throw HostError(name + ": calibration sample " + std::to_string(s) + " has " +
                      std::to_string(samples[s].size()) + " values, but the model input '" + in.name + "' of shape " +
                      shape_string(in.shape) + " has " + std::to_string(want));
    for (size_t i = 0; i < want; ++i)
      if (!std::isfinite(samples[s][i]))
        throw HostError(name + ": calibration sample " + std::to_string(s) + " has a non-finite value (" +
                        std::to_string(samples[s][i]) + " at index " + std::to_string(i) + ")");
  }
}

std::vector<TensorStats> calibrate(const ir::Graph& g, const std::vector<std::vector<float>>& samples, bool histograms,
                                   const std::function<void(size_t, size_t)>& progress, const std::string& name) {
  check_samples(g, samples, name);
  MemoryModel m(ir::write_tflite(g), name + ": the float graph");
  std::vector<TensorStats> stats(g.tensors.size());
  const int32_t input = g.inputs[0];
  const int passes = histograms ? 2 : 1;
  const size_t total = samples.size() * static_cast<size_t>(passes);
  size_t done = 0;
  for (int pass = 0; pass < passes; ++pass) {
    if (pass == 1)
      for (TensorStats& s : stats) s.start_histogram();
    for (size_t k = 0; k < samples.size(); ++k) {
      auto add = [&](int32_t t, const std::vector<float>& v) {
        if (pass == 0) {
          check_finite(v, "tensor " + std::to_string(t) + " (" + g.tensors[t].name + ")", k, name);
          stats[t].add_minmax(v.data(), v.size());
        } else {
          stats[t].add_histogram(v.data(), v.size());
        }
      };
      add(input, samples[k]);
      host::run_capturing(m.model, m.interp, {samples[k]}, [&](int, const std::vector<host::Activation>& outs) {
        for (const host::Activation& a : outs) add(a.tensor, a.values);
      }, name);
      ++done;
      if (progress) progress(done, total);
    }
  }
  return stats;
}

}  // namespace mote::quant
