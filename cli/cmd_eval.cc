// `mote eval FLOAT.tflite QUANT.tflite --data DATA [--labels LABELS] [--limit N] [--json]`: how far a
// quantized model is from its float original (host/eval/eval.h, docs/eval.md).

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/progress.h"
#include "host/eval/eval.h"
#include "host/files.h"

namespace mote::cli {

namespace {

struct EvalCliOptions {
  std::string float_model;
  std::string quant_model;
  std::string data;
  std::string labels;
  size_t limit = 0;
  bool json = false;
};

std::vector<int32_t> input_shape(const std::string& model_path) {
  const std::unique_ptr<host::LoadedModel> m = host::load_model(model_path);
  if (m->model.num_inputs() != 1)
    throw UsageError(model_path + ": evaluation needs a model with one input; it has " + std::to_string(m->model.num_inputs()));
  const mote::Shape s = m->model.tensor(m->model.input_tensor(0)).shape;
  return std::vector<int32_t>(s.dims, s.dims + s.rank);
}

int run_eval(const EvalCliOptions& o) {
  eval::EvalData data = eval::load_eval_data(o.data, input_shape(o.float_model));
  const std::vector<std::vector<float>>& samples = data.samples;
  std::vector<int64_t>& labels = data.labels;  // a spec's own labels unless --labels is given
  if (!o.labels.empty()) {
    labels = eval::load_labels(o.labels);
    eval::check_label_count(labels.size(), samples.size(), o.labels + " (for " + o.data + ")");
  }
  if (!data.split.empty()) std::fprintf(stderr, "evaluating on the %s split of %s\n", data.split.c_str(), o.data.c_str());
  eval::EvalOptions options;
  options.limit = o.limit;
  eval::EvalReport r;
  {
    ProgressBar bar("evaluating", "samples");
    options.progress = [&bar](size_t done, size_t total) { bar.update(done, total); };
    r = eval::evaluate_pair(o.float_model, o.quant_model, samples, labels, options);
  }
  const std::string out = o.json ? eval::report_json(r).dump(2) + "\n" : eval::report_text(r);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace

Command add_eval(CLI::App& app) {
  auto o = std::make_shared<EvalCliOptions>();
  CLI::App* sub = app.add_subcommand("eval", "Compare a quantized model with its float original: accuracy, agreement, per-layer SQNR");
  sub->add_option("FLOAT", o->float_model, "The float .tflite model")->required()->type_name("FILE");
  sub->add_option("QUANT", o->quant_model, "Its quantized twin (e.g. from mote quantize)")->required()->type_name("FILE");
  sub->add_option("--data", o->data,
                  "Samples for the input: a .npy of shape (N, *input shape), a folder of .npy/.bin files, or a model spec "
                  "(.yaml: its test split, with labels)")
      ->required()->type_name("PATH");
  sub->add_option("--labels", o->labels, "Integer class labels, one per sample: a .npy of shape (N,) or (N, 1), or a text file")
      ->type_name("FILE");
  sub->add_option("--limit", o->limit, "Evaluate only the first N samples")->type_name("N")->check(CLI::PositiveNumber);
  sub->add_flag("--json", o->json, "Print one JSON object instead of tables (keys in docs/eval.md)");
  sub->footer(
      "Runs both models on every sample (given as floats; quantized by the runtime for an int8\n"
      "input) and reports: top-1 accuracy of each model (with --labels), top-1 agreement between\n"
      "them (argmax of output 0), per output the SQNR in dB (10 log10 of signal energy over error\n"
      "energy, 'inf' when identical) and the mean absolute error, and a per-layer table: the SQNR\n"
      "of every activation of the quantized model against the float activation of the same tensor\n"
      "name, over all samples, in execution order, with the worst layer marked.\n"
      "With --data SPEC.yaml (the file mote train reads) the held-out test split of its data: section\n"
      "is used (validation if it has no test data), normalized as in training, with its labels.\n"
      "Progress goes to stderr. See docs/eval.md.\n"
      "Example: mote eval model.tflite model_int8.tflite --data test_x.npy --labels test_y.npy");
  return {sub, [o] { return run_eval(*o); }};
}

}  // namespace mote::cli
