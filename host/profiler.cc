#include "host/profiler.h"

#include <algorithm>
#include <chrono>

#include "host/error.h"
#include "host/report.h"

namespace mote::host {

namespace {

using Clock = std::chrono::steady_clock;

double micros(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::micro>(b - a).count();
}

void check(mote::Status s, const mote::Error& err, const Session& session) {
  if (s != mote::Status::kOk) throw HostError(session.path() + ": invoke failed: " + err.message);
}

}  // namespace

double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

Profile profile(Session& s, const ProfileOptions& opt, const std::function<void()>& restore) {
  if (opt.iterations < 1) throw HostError("iterations must be at least 1, got " + std::to_string(opt.iterations));
  if (opt.warmup < 0) throw HostError("warmup must not be negative, got " + std::to_string(opt.warmup));
  mote::Interpreter& interp = s.interp();
  mote::Error err;
  Profile p;
  p.iterations = opt.iterations;
  p.warmup = opt.warmup;
  for (int w = 0; w < opt.warmup; ++w) {
    restore();
    check(interp.invoke(&err), err, s);
  }
  std::vector<double> whole;
  for (int it = 0; it < opt.iterations; ++it) {
    restore();
    Clock::time_point t0 = Clock::now();
    mote::Status st = interp.invoke(&err);
    Clock::time_point t1 = Clock::now();
    check(st, err, s);
    whole.push_back(micros(t0, t1));
  }
  p.invoke_median_us = median(whole);
  p.invoke_min_us = *std::min_element(whole.begin(), whole.end());
  p.invoke_max_us = *std::max_element(whole.begin(), whole.end());

  const int n = interp.num_ops();
  std::vector<std::vector<double>> per_op(static_cast<size_t>(n));
  for (int it = 0; it < opt.iterations; ++it) {
    restore();
    for (int o = 0; o < n; ++o) {
      Clock::time_point t0 = Clock::now();
      mote::Status st = interp.invoke_op(o, &err);
      Clock::time_point t1 = Clock::now();
      check(st, err, s);
      per_op[static_cast<size_t>(o)].push_back(micros(t0, t1));
    }
  }
  for (int o = 0; o < n; ++o) {
    LayerTiming l;
    l.index = o;
    l.op = s.model().op(o).name();
    l.median_us = median(per_op[static_cast<size_t>(o)]);
    l.macs = op_macs(s.model(), o);
    p.layers_total_us += l.median_us;
    p.layers.push_back(l);
  }
  for (LayerTiming& l : p.layers) l.percent = p.layers_total_us > 0 ? 100.0 * l.median_us / p.layers_total_us : 0.0;
  return p;
}

}  // namespace mote::host
