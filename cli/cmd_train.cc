// `mote train SPEC.yaml -o OUTDIR [--epochs N] [--threads N] [--quantize] [--seed S]`: trains the
// model a spec describes on its data and writes the float model, report, curve (and with
// --quantize the int8 model and its C++ export). The job itself is host/train/train_run.h.
#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "host/train/train_run.h"

namespace mote::cli {

namespace {

struct TrainCliOptions {
  train::TrainRunOptions run;
  int64_t seed = -1;
};

int run_train(TrainCliOptions o) {
  if (o.seed >= 0) o.run.seed = static_cast<uint64_t>(o.seed);
  const train::TrainRunResult r = train::run_train(o.run);
  std::fwrite(r.summary.data(), 1, r.summary.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace

Command add_train(CLI::App& app) {
  auto o = std::make_shared<TrainCliOptions>();
  CLI::App* sub = app.add_subcommand("train", "Train the model a YAML spec describes; write float (and int8) .tflite, report and curve");
  sub->add_option("SPEC", o->run.spec_path, "The model spec (YAML: input, layers, training, data)")->required()->type_name("FILE");
  sub->add_option("-o,--output-dir", o->run.out_dir, "Directory for the outputs (created if missing; other files in it are kept)")
      ->required()->type_name("DIR");
  sub->add_option("--epochs", o->run.epochs, "Override training.epochs")->check(CLI::Range(1, 100000))->type_name("N");
  sub->add_option("--threads", o->run.threads, "Worker threads (default: all cores; results do not depend on it)")
      ->check(CLI::Range(1, 256))->type_name("N");
  sub->add_flag("--quantize", o->run.quantize,
                "Also write model_int8.tflite (calibrated on training samples), its test accuracy / MAE, and export/");
  sub->add_option("--seed", o->seed, "Override training.seed (initial weights, shuffling, dropout, augmentation)")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 62))->type_name("S");
  sub->footer(
      "Writes OUTDIR/model_float.tflite, OUTDIR/report.json (params, epochs, train_seconds, float_accuracy\n"
      "or float_mae on the test split, history per epoch), OUTDIR/curve.svg; with --quantize also\n"
      "OUTDIR/model_int8.tflite, int8_accuracy or int8_mae, and OUTDIR/export/ (mote export of the int8\n"
      "model, named after the spec's name). Progress per epoch on stderr, a summary on stdout.\n"
      "The spec format: docs/train.md.");
  return {sub, [o] { return run_train(*o); }};
}

}  // namespace mote::cli
