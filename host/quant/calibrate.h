// mote quantizer — running a float graph on calibration samples and collecting per-tensor
// statistics (internal to quantize(); usable alone).
//
//   std::vector<TensorStats> s = calibrate(graph, samples, /*histograms=*/true, progress, "model");
//   s[t].min(), s[t].max(), s[t].histogram()   // for every tensor t the graph's input or an op writes
//
// The graph is written to .tflite bytes and run in mote's runtime (run_capturing). Pass 1 collects
// min/max; with histograms a second pass fills TensorStats' histogram over that range. Samples are
// checked first (count, size, finite values); a non-finite activation names the tensor and sample.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "host/files.h"
#include "host/ir/graph.h"
#include "host/quant/range.h"
#include "runtime/interpreter.h"

namespace mote::quant {

// A model built in memory, loaded, planned and prepared (host::Session's steps without a file).
// `name` starts error messages ("model.tflite: the float graph"). Not copyable or movable.
struct MemoryModel {
  host::AlignedBuffer bytes, arena;
  mote::Model model;
  mote::OpResolver resolver;
  mote::Interpreter interp;

  MemoryModel(const std::vector<uint8_t>& data, const std::string& name);
  MemoryModel(const MemoryModel&) = delete;
  MemoryModel& operator=(const MemoryModel&) = delete;
};

void check_samples(const ir::Graph& g, const std::vector<std::vector<float>>& samples, const std::string& name);

std::vector<TensorStats> calibrate(const ir::Graph& g, const std::vector<std::vector<float>>& samples, bool histograms,
                                   const std::function<void(size_t, size_t)>& progress, const std::string& name);

}  // namespace mote::quant
