// load_eval_data: `mote eval --data` — a model spec's held-out split with its labels, or samples
// from files (quant::load_samples).
#include <filesystem>
#include <string>

#include "host/data/dataset.h"
#include "host/error.h"
#include "host/eval/eval.h"
#include "host/quant/calib_data.h"
#include "host/train/spec.h"

namespace mote::eval {

namespace {

bool is_spec(const std::string& path) {
  const std::string ext = std::filesystem::path(path).extension().string();
  return ext == ".yaml" || ext == ".yml";
}

// The split's sample shape must be the model input, or the input without its batch of 1.
void check_sample_shape(const std::string& what, const train::Tensor& x, const std::vector<int32_t>& input) {
  const std::vector<int32_t> sample(x.shape().begin() + (x.rank() > 0 ? 1 : 0), x.shape().end());
  const bool batch_one = !input.empty() && input[0] == 1;
  if (sample == input || (batch_one && sample == std::vector<int32_t>(input.begin() + 1, input.end()))) return;
  throw host::HostError(what + " has samples of shape " + quant::shape_string(sample) + " but the model input is " +
                        quant::shape_string(input));
}

EvalData spec_split(const std::string& path, const std::vector<int32_t>& input) {
  const train::ModelSpec spec = train::load_spec(path);
  if (!spec.has_data) throw host::HostError(path + ": the spec has no data: section to evaluate on");
  data::Split split = data::load(spec.data);
  EvalData d;
  d.split = split.test.samples() > 0 ? "test" : "validation";
  const data::Dataset& set = split.test.samples() > 0 ? split.test : split.validation;
  if (set.samples() == 0) throw host::HostError(path + ": the spec's data has neither a test nor a validation split");
  check_sample_shape(path + " (" + d.split + " split)", set.x, input);
  const size_t n = static_cast<size_t>(set.samples()), per = set.x.size() / n;
  d.samples.resize(n);
  for (size_t s = 0; s < n; ++s) d.samples[s].assign(set.x.data() + s * per, set.x.data() + (s + 1) * per);
  if (set.num_classes > 0 && set.y.rank() == 1)
    for (size_t s = 0; s < n; ++s) d.labels.push_back(static_cast<int64_t>(set.y.data()[s]));
  return d;
}

}  // namespace

EvalData load_eval_data(const std::string& path, const std::vector<int32_t>& input_shape) {
  if (is_spec(path)) return spec_split(path, input_shape);
  EvalData d;
  d.samples = quant::load_samples(path, input_shape);
  return d;
}

}  // namespace mote::eval
