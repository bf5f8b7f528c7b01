// mote trainer — the whole `mote train` job as a library call.
//
// run_train(options):
//   1. reads the spec (spec.h) and builds the model (shape errors name the spec line);
//   2. loads the data (host/data/dataset.h): a missing file, labels out of range for the model's
//      outputs, or samples of another shape than `input:` name the spec line and the numbers;
//   3. trains with mini-batches (augmenting training batches when the spec asks), evaluating on the
//      validation split after every epoch; early stopping after `patience` epochs without a lower
//      validation loss, and the best epoch's weights are kept (with no validation split: the last);
//   4. evaluates on the test split (float_accuracy / float_mae, from the trainer's inference, which
//      the exported model reproduces within 1e-4);
//   5. writes into out_dir (created if missing; nothing else in it is touched):
//        model_float.tflite   to_graph.h's float model (a trailing softmax of the spec appended)
//        curve.svg            loss and accuracy per epoch (curve.h)
//        report.json          params, epochs, train_seconds, float_accuracy or float_mae, history, ...
//      and with options.quantize:
//        model_int8.tflite    the quantizer's full-int8 model (int8 input and output), calibrated on
//                             `calibration_samples` training samples spread evenly over the split
//        export/              the int8 model as C++ sources (host/export.h, name = the spec's name)
//      report.json then also has int8_accuracy or int8_mae: the int8 model run by the runtime
//      (host/session.h) on every test sample.
//
// Progress goes to options.progress (null: silent): a bar redrawn with \r per batch when it is a
// terminal, and one line per epoch always.
//
//   TrainRunOptions o;
//   o.spec_path = "examples/sine/spec.yaml"; o.out_dir = "out"; o.quantize = true;
//   TrainRunResult r = run_train(o);
//   std::printf("%s", r.summary.c_str());
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/data/dataset.h"
#include "host/train/spec.h"

namespace mote::train {

struct TrainRunOptions {
  std::string spec_path;
  std::string out_dir;
  int epochs = 0;                    // > 0: overrides training.epochs
  int threads = 0;                   // <= 0: all cores
  bool quantize = false;
  std::optional<uint64_t> seed;      // overrides training.seed (weights, shuffling, augmentation)
  std::FILE* progress = stderr;      // null: no progress output
};

struct TrainRunResult {
  nlohmann::json report;             // what report.json holds
  std::string summary;               // a few lines for stdout
  std::vector<std::string> written;  // paths written, in order
};

TrainRunResult run_train(const TrainRunOptions& options);

// Step 2 alone: loads spec.data and checks it against the built model (errors "<spec>:<line>: ...").
data::Split load_data(const ModelSpec& spec, const Model& model);

}  // namespace mote::train
