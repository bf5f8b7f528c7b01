// mote host library — wall-clock timing of whole invokes and of each layer.
//
//   mote::host::Session s("kws.tflite");
//   mote::host::fill_generated_inputs(s.interp(), 0);
//   mote::host::Profile p = mote::host::profile(s, {50, 5}, [&] { restore_inputs(); });
//   p.invoke_median_us;                    // median of 50 whole invokes
//   p.layers[3].median_us;                 // median of 50 runs of op 3 alone (invoke_op)
//
// Method: `warmup` untimed invokes, then `iterations` timed invokes (std::chrono::steady_clock
// around Interpreter::invoke), then `iterations` passes that time each op separately with
// invoke_op in order 0..n-1. Before every invoke and every per-op pass the `restore` callback runs
// (untimed): the arena reuses input bytes once they are consumed, so inputs must be rewritten to
// time the same computation each time. Medians resist the noise of a shared machine; the sum of the
// per-layer medians is close to, not equal to, the invoke median (timer overhead, caches).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "host/session.h"

namespace mote::host {

struct ProfileOptions {
  int iterations = 50;
  int warmup = 5;
};

struct LayerTiming {
  int index = 0;
  std::string op;
  double median_us = 0.0;
  double percent = 0.0;  // of the sum of all layer medians
  uint64_t macs = 0;
};

struct Profile {
  int iterations = 0;
  int warmup = 0;
  double invoke_median_us = 0.0;
  double invoke_min_us = 0.0;
  double invoke_max_us = 0.0;
  double layers_total_us = 0.0;  // sum of the layer medians
  std::vector<LayerTiming> layers;
};

// Median of `v` (mean of the two middle values for an even count); 0 for an empty vector.
double median(std::vector<double> v);

// Throws HostError if an op fails or iterations < 1 / warmup < 0.
Profile profile(Session& s, const ProfileOptions& opt, const std::function<void()>& restore);

}  // namespace mote::host
