#include "host/train/train_run.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "host/error.h"
#include "host/export.h"
#include "host/ir/tflite_writer.h"
#include "host/quant/quantize.h"
#include "host/session.h"
#include "host/text.h"
#include "host/train/curve.h"
#include "host/train/to_graph.h"
#include "host/train/trainer.h"

namespace mote::train {

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// The spec line of the data key whose file a data error names (the `data:` line if none does).
int data_error_line(const ModelSpec& spec, const std::string& message) {
  const std::pair<const char*, const std::string*> keys[] = {{"train", &spec.data.train},
                                                             {"train_labels", &spec.data.train_labels},
                                                             {"test", &spec.data.test},
                                                             {"test_labels", &spec.data.test_labels}};
  int line = spec.data_line;
  size_t longest = 0;
  for (const auto& k : keys)
    if (!k.second->empty() && k.second->size() > longest && message.find(*k.second) != std::string::npos) {
      longest = k.second->size();
      line = spec.data_key_line(k.first);
    }
  return line;
}

// Largest class index in a split's targets (-1 when empty).
int max_label(const data::Dataset& d) {
  float m = -1;
  for (float v : d.y.vec()) m = std::max(m, v);
  return static_cast<int>(m);
}

void check_targets(const ModelSpec& spec, const Model& model, data::Split& s) {
  const int outputs = model_outputs(model);
  const int last_line = spec.layers.empty() ? spec.layers_line : spec.layers.back().line;
  if (spec.train.loss == LossKind::kCrossEntropy) {
    if (s.train.num_classes == 0 && s.train.y.rank() > 1 && s.train.y.dim(1) > 1)
      throw host::HostError(spec.where(spec.training_line) + "the data is a regression (targets " +
                            shape_str(sample_shape(s.train.y)) + " per sample) but the loss is cross_entropy; set training.loss: mse");
    const std::pair<const char*, const data::Dataset*> splits[] = {
        {"train", &s.train}, {"validation", &s.validation}, {"test", &s.test}};
    for (const auto& sp : splits) {
      const int top = max_label(*sp.second);
      if (top >= outputs)
        throw host::HostError(spec.where(last_line) + "labels out of range: the " + sp.first + " split has label " +
                              std::to_string(top) + " but the last layer has " + std::to_string(outputs) +
                              " outputs (labels must be in [0, " + std::to_string(outputs) + "))");
    }
    return;
  }
  for (data::Dataset* d : {&s.train, &s.validation, &s.test}) {
    if (d->y.rank() == 1 && d->samples() > 0) d->y.reshape({d->samples(), 1});
    if (d->samples() > 0 && d->y.dim(1) != outputs && spec.train.loss == LossKind::kMse)
      throw host::HostError(spec.where(last_line) + "the data has " + std::to_string(d->y.dim(1)) +
                            " target(s) per sample but the last layer has " + std::to_string(outputs) + " outputs");
  }
}

}  // namespace

data::Split load_data(const ModelSpec& spec, const Model& model) {
  if (!spec.has_data) throw host::HostError(spec.where(0) + "needs a 'data:' section to train");
  data::Split s;
  try {
    s = data::load(spec.data);
  } catch (const host::HostError& e) {
    throw host::HostError(spec.where(data_error_line(spec, e.what())) + e.what());
  }
  if (s.train.samples() == 0) throw host::HostError(spec.where(spec.data_line) + "data: the training split is empty");
  if (sample_shape(s.train.x) != spec.input)
    throw host::HostError(spec.where(spec.input_line) + "the data's samples have shape " +
                          shape_str(sample_shape(s.train.x)) + " but 'input' is " + shape_str(spec.input) +
                          " (reshape them with data: shape, or change input)");
  check_targets(spec, model, s);
  return s;
}

namespace {

struct EpochRecord {
  double loss = 0, accuracy = -1, val_loss = -1, val_accuracy = -1, seconds = 0;
  float lr = 0;
};

// Redraws "epoch 3/10 [=====>    ] 420/844 loss 0.4123 acc 0.853" on a terminal.
void draw_bar(std::FILE* f, int epoch, int epochs, int batch, int batches, double loss, double acc) {
  const int width = 24, filled = batches ? width * batch / batches : width;
  std::string bar(static_cast<size_t>(filled), '=');
  if (filled < width) bar += '>' + std::string(static_cast<size_t>(width - filled - 1), ' ');
  std::string line = host::strprintf("\repoch %d/%d [%s] %d/%d loss %.4f", epoch + 1, epochs, bar.c_str(), batch, batches, loss);
  if (acc >= 0) line += host::strprintf(" acc %.4f", acc);
  std::fputs(line.c_str(), f);
  std::fflush(f);
}

class Job {
 public:
  Job(const TrainRunOptions& o, ModelSpec spec) : o_(o), spec_(std::move(spec)) {}
  TrainRunResult run();

 private:
  EpochRecord train_epoch(int epoch, Optimizer& opt, const LrSchedule& lr, Rng& aug);
  void fit_with_early_stopping();
  void test_float();
  void write_outputs();
  void quantize_and_export(const ir::Graph& float_graph);
  double run_int8(const std::string& path);
  std::string out(const std::string& name) const { return o_.out_dir + "/" + name; }
  void log(const std::string& s) const {
    if (o_.progress) std::fputs(s.c_str(), o_.progress), std::fflush(o_.progress);
  }

  const TrainRunOptions& o_;
  ModelSpec spec_;
  BuiltModel built_;
  std::unique_ptr<Loss> loss_;
  data::Split data_;
  std::vector<EpochRecord> history_;
  int best_epoch_ = -1;
  bool stopped_early_ = false;
  double train_seconds_ = 0;
  TrainRunResult r_;
  bool tty_ = false;
  Clock::time_point last_line_ = Clock::now();   // of the last plain progress line
  Clock::time_point last_bar_{};                  // of the last redraw of the bar
};

EpochRecord Job::train_epoch(int epoch, Optimizer& opt, const LrSchedule& lr, Rng& aug) {
  const auto start = Clock::now();
  Model& m = *built_.model;
  const Tensor& x = data_.train.x;
  const Tensor& y = data_.train.y;
  const int samples = x.dim(0), bs = spec_.train.batch_size, batches = (samples + bs - 1) / bs;
  const bool classifier = spec_.train.loss == LossKind::kCrossEntropy;
  const std::vector<int> order = Rng(spec_.train.seed + static_cast<uint64_t>(epoch), 0x5eed).permutation(samples);
  EpochRecord rec;
  double loss_sum = 0, right = 0;
  Tensor grad;
  for (int b = 0; b < batches; ++b) {
    const int first = b * bs, count = std::min(bs, samples - first);
    Tensor bx = gather_rows(x, order.data() + first, count);
    const Tensor by = gather_rows(y, order.data() + first, count);
    data::augment(spec_.data, bx, aug);
    const Tensor& pred = m.forward(bx, true);
    loss_sum += loss_->compute(pred, by, &grad) * count;
    if (classifier) right += accuracy(pred, by) * count;
    m.backward(grad);
    rec.lr = lr.at(epoch + static_cast<double>(b) / batches);
    opt.step(m.params(), rec.lr);
    const double seen = first + count;
    if (tty_ && (seconds_since(last_bar_) > 0.1 || b + 1 == batches)) {  // at most 10 redraws a second
      draw_bar(o_.progress, epoch, spec_.train.epochs, b + 1, batches, loss_sum / seen, classifier ? right / seen : -1);
      last_bar_ = Clock::now();
    }
    if (!tty_ && seconds_since(last_line_) > 30 && b + 1 < batches) {  // occasional plain lines
      log(host::strprintf("epoch %d/%d: %d/%d batches, loss %.4g\n", epoch + 1, spec_.train.epochs, b + 1, batches,
                          loss_sum / seen));
      last_line_ = Clock::now();
    }
  }
  rec.loss = loss_sum / samples;
  rec.accuracy = classifier ? right / samples : -1;
  if (data_.validation.samples() > 0) {
    const EvalResult v = evaluate(m, *loss_, data_.validation.x, data_.validation.y, spec_.train.eval_batch);
    rec.val_loss = v.loss;
    rec.val_accuracy = v.accuracy;
  }
  rec.seconds = seconds_since(start);
  return rec;
}

void Job::fit_with_early_stopping() {
  std::unique_ptr<Optimizer> opt = spec_.train.make_optimizer();
  const LrSchedule lr = spec_.train.make_schedule();
  Rng aug(spec_.train.seed, 0xa11);
  std::vector<Tensor> best_state;
  double best = 0;
  int waited = 0;
  const auto start = Clock::now();
  for (int e = 0; e < spec_.train.epochs; ++e) {
    const EpochRecord rec = train_epoch(e, *opt, lr, aug);
    history_.push_back(rec);
    std::string line = host::strprintf("epoch %d/%d: loss %.4g", e + 1, spec_.train.epochs, rec.loss);
    if (rec.accuracy >= 0) line += host::strprintf(" acc %.4f", rec.accuracy);
    if (rec.val_loss >= 0) line += host::strprintf(", val_loss %.4g", rec.val_loss);
    if (rec.val_accuracy >= 0) line += host::strprintf(" val_acc %.4f", rec.val_accuracy);
    line += host::strprintf(", lr %.3g, %.1f s", rec.lr, rec.seconds);
    const bool has_val = rec.val_loss >= 0;
    if (!has_val || best_epoch_ < 0 || rec.val_loss < best) {
      best = rec.val_loss;
      best_epoch_ = e;
      waited = 0;
      if (has_val) best_state = built_.model->state();
    } else {
      ++waited;
      line += host::strprintf(" (no improvement for %d)", waited);
    }
    log((tty_ ? "\r\033[K" : "") + line + "\n");
    last_line_ = Clock::now();
    if (has_val && spec_.train.patience > 0 && waited >= spec_.train.patience && e + 1 < spec_.train.epochs) {
      stopped_early_ = true;
      log(host::strprintf("early stop: best validation loss %.4g at epoch %d\n", best, best_epoch_ + 1));
      break;
    }
  }
  train_seconds_ = seconds_since(start);
  if (!best_state.empty() && best_epoch_ + 1 != static_cast<int>(history_.size())) built_.model->set_state(best_state);
}

}  // namespace

namespace {

// Runs `path` with the runtime on every test sample: accuracy (classifier) or mean absolute error.
double run_with_runtime(const std::string& path, const data::Dataset& test, bool classifier) {
  host::Session s(path);
  const mote::TensorRef in = s.interp().input(0);
  const size_t per = test.x.size() / static_cast<size_t>(test.samples());
  double total = 0;
  for (int n = 0; n < test.samples(); ++n) {
    const float* x = test.x.data() + per * static_cast<size_t>(n);
    if (in.type == TensorType::kInt8) {
      int8_t* q = static_cast<int8_t*>(in.data);
      for (size_t i = 0; i < per; ++i)
        q[i] = static_cast<int8_t>(std::clamp<long>(std::lround(x[i] / in.scale) + in.zero_point, -128, 127));
    } else {
      std::memcpy(in.data, x, per * sizeof(float));
    }
    s.invoke();
    const mote::TensorRef o = s.interp().output(0);
    const size_t k = o.type == TensorType::kInt8 ? o.bytes : o.bytes / sizeof(float);
    auto value = [&](size_t i) {
      return o.type == TensorType::kInt8 ? (static_cast<const int8_t*>(o.data)[i] - o.zero_point) * o.scale
                                         : static_cast<const float*>(o.data)[i];
    };
    if (classifier) {
      size_t best = 0;
      for (size_t i = 1; i < k; ++i)
        if (value(i) > value(best)) best = i;
      total += static_cast<float>(best) == test.y.at(static_cast<size_t>(n)) ? 1 : 0;
    } else {
      for (size_t i = 0; i < k; ++i) total += std::fabs(value(i) - test.y.at(static_cast<size_t>(n) * k + i)) / k;
    }
  }
  return test.samples() ? total / test.samples() : 0;
}

// Mean absolute error of the trainer's inference on a regression split.
double trainer_mae(Model& m, const data::Dataset& d, int batch) {
  double sum = 0;
  std::vector<int> idx(static_cast<size_t>(d.samples()));
  for (int i = 0; i < d.samples(); ++i) idx[static_cast<size_t>(i)] = i;
  for (int first = 0; first < d.samples(); first += batch) {
    const int count = std::min(batch, d.samples() - first);
    const Tensor& pred = m.forward(gather_rows(d.x, idx.data() + first, count), false);
    const Tensor y = gather_rows(d.y, idx.data() + first, count);
    for (size_t i = 0; i < pred.size(); ++i) sum += std::fabs(pred.at(i) - y.at(i));
  }
  const size_t k = d.y.size() / std::max<size_t>(1, static_cast<size_t>(d.samples()));
  return d.samples() ? sum / (static_cast<double>(d.samples()) * static_cast<double>(k)) : 0;
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
  if (!f.flush()) throw host::HostError(path + ": cannot write");
}

void Job::test_float() {
  json& rep = r_.report;
  const data::Dataset& t = data_.test.samples() > 0 ? data_.test : data_.validation;
  rep["test_split"] = data_.test.samples() > 0 ? "test" : "validation";
  rep["test_samples"] = t.samples();
  if (t.samples() == 0) return;
  const EvalResult e = evaluate(*built_.model, *loss_, t.x, t.y, spec_.train.eval_batch);
  rep["float_loss"] = e.loss;
  if (spec_.train.loss == LossKind::kCrossEntropy)
    rep["float_accuracy"] = e.accuracy;
  else
    rep["float_mae"] = trainer_mae(*built_.model, t, spec_.train.eval_batch);
}

void Job::quantize_and_export(const ir::Graph& float_graph) {
  const data::Dataset& tr = data_.train;
  const int n = std::min(spec_.train.calibration_samples, tr.samples());
  const size_t per = tr.x.size() / static_cast<size_t>(tr.samples());
  std::vector<std::vector<float>> samples;
  for (int i = 0; i < n; ++i) {
    const float* p = tr.x.data() + per * (static_cast<size_t>(i) * static_cast<size_t>(tr.samples()) / static_cast<size_t>(n));
    samples.emplace_back(p, p + per);
  }
  log(host::strprintf("quantizing on %d training samples\n", n));
  quant::QuantizeOptions qo;
  qo.name = out("model_float.tflite");
  quant::QuantizeReport qr;
  const ir::Graph q = quant::quantize(float_graph, samples, qo, &qr);
  const std::string path = out("model_int8.tflite");
  ir::write_tflite_file(q, path);
  r_.written.push_back(path);
  json& rep = r_.report;
  rep["calibration_samples"] = n;
  rep["model_int8_bytes"] = std::filesystem::file_size(path);
  const data::Dataset& t = data_.test.samples() > 0 ? data_.test : data_.validation;
  if (t.samples() > 0) {
    log(host::strprintf("running the int8 model on %d test samples\n", t.samples()));
    const bool classifier = spec_.train.loss == LossKind::kCrossEntropy;
    rep[classifier ? "int8_accuracy" : "int8_mae"] = run_with_runtime(path, t, classifier);
  }
  host::ExportOptions eo;
  eo.model_path = path;
  eo.name = spec_.name;
  eo.out_dir = out("export");
  const host::ExportResult er = host::export_model(eo);
  for (const host::ExportedFile& f : er.files) r_.written.push_back(eo.out_dir + "/" + f.name);
  rep["export_arena_bytes"] = er.arena_bytes;
}

void Job::write_outputs() {
  const ir::Graph g = to_graph(*built_.model, {built_.softmax_output});
  const std::string path = out("model_float.tflite");
  ir::write_tflite_file(g, path);
  r_.written.push_back(path);
  r_.report["model_float_bytes"] = std::filesystem::file_size(path);
  if (o_.quantize) quantize_and_export(g);
  std::vector<CurvePoint> curve;
  json hist = json::array();
  for (size_t e = 0; e < history_.size(); ++e) {
    const EpochRecord& h = history_[e];
    curve.push_back({h.loss, h.accuracy, h.val_loss, h.val_accuracy});
    json j = {{"epoch", e + 1}, {"loss", h.loss}, {"lr", h.lr}, {"seconds", h.seconds}};
    if (h.accuracy >= 0) j["accuracy"] = h.accuracy;
    if (h.val_loss >= 0) j["val_loss"] = h.val_loss;
    if (h.val_accuracy >= 0) j["val_accuracy"] = h.val_accuracy;
    hist.push_back(j);
  }
  r_.report["history"] = hist;
  write_text(out("curve.svg"), training_curve_svg(curve, spec_.name + " (" + spec_.source + ")", best_epoch_));
  r_.written.push_back(out("curve.svg"));
  write_text(out("report.json"), r_.report.dump(2) + "\n");
  r_.written.push_back(out("report.json"));
}

TrainRunResult Job::run() {
  tty_ = o_.progress && ::isatty(::fileno(o_.progress));
  built_ = build_model(spec_);
  built_.model->set_threads(o_.threads);
  loss_ = spec_.train.make_loss();
  data_ = load_data(spec_, *built_.model);
  std::error_code ec;
  std::filesystem::create_directories(o_.out_dir, ec);
  if (!std::filesystem::is_directory(o_.out_dir)) throw host::HostError(o_.out_dir + ": cannot create the output directory");
  log(host::strprintf("%s: %zu parameters; %d training, %d validation, %d test samples; %d threads\n", spec_.source.c_str(),
                      built_.model->param_count(), data_.train.samples(), data_.validation.samples(),
                      data_.test.samples(), built_.model->threads()));
  fit_with_early_stopping();
  json& rep = r_.report;
  rep = {{"spec", spec_.source}, {"name", spec_.name}, {"params", built_.model->param_count()},
         {"epochs", history_.size()}, {"epochs_planned", spec_.train.epochs}, {"best_epoch", best_epoch_ + 1},
         {"stopped_early", stopped_early_}, {"train_seconds", train_seconds_}, {"threads", built_.model->threads()},
         {"seed", spec_.train.seed}, {"loss", loss_kind_name(spec_.train.loss)},
         {"train_samples", data_.train.samples()}, {"validation_samples", data_.validation.samples()}};
  test_float();
  write_outputs();
  std::string& s = r_.summary;
  s = host::strprintf("%s: %zu parameters, %zu epochs (best %d) in %.1f s\n", spec_.name.c_str(), built_.model->param_count(),
                      history_.size(), best_epoch_ + 1, train_seconds_);
  for (const char* k : {"float_accuracy", "float_mae", "int8_accuracy", "int8_mae"})
    if (rep.contains(k)) s += host::strprintf("%s: %.4f (%s split, %d samples)\n", k, rep[k].get<double>(),
                                              rep["test_split"].get<std::string>().c_str(), rep["test_samples"].get<int>());
  for (const std::string& w : r_.written) s += "wrote " + w + "\n";
  return std::move(r_);
}

}  // namespace

TrainRunResult run_train(const TrainRunOptions& options) {
  ModelSpec spec = load_spec(options.spec_path);
  if (options.epochs > 0) spec.train.epochs = options.epochs;
  if (options.seed) spec.train.seed = *options.seed;
  if (options.out_dir.empty()) throw host::HostError("no output directory given");
  return Job(options, std::move(spec)).run();
}

}  // namespace mote::train
