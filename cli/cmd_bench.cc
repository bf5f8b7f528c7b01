// `mote bench MODEL`: median time per invoke and a per-layer profile.
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "host/inputs.h"
#include "host/profiler.h"
#include "host/session.h"
#include "host/tensor_io.h"
#include "host/text.h"

namespace mote::cli {

namespace {

struct BenchOptions {
  std::string model;
  std::vector<std::string> inputs;
  int iterations = 50;
  int warmup = 5;
  int sample = 0;
  std::vector<double> range = {-1.0, 1.0};
  bool json = false;
};

// Microseconds: two decimals below 10 µs (tiny models), one above.
std::string us(double v) { return host::strprintf(v < 10.0 ? "%.2f" : "%.1f", v); }

std::string bench_text(const BenchOptions& o, const host::Session& s, const host::Profile& p, uint64_t macs) {
  std::string out = "model: " + o.model + "\n";
  if (o.inputs.empty())
    out += host::strprintf("inputs: generated, sample %d (conformance generator; float inputs in [%g, %g))\n", o.sample,
                           o.range[0], o.range[1]);
  else
    out += "inputs: from files\n";
  out += "arena: " + host::group_digits(s.plan().total_bytes) + " bytes; MACs: " + host::group_digits(macs) + "\n";
  out += host::strprintf("invoke: %s µs median (min %s, max %s) over %d iterations after %d warmup\n",
                         us(p.invoke_median_us).c_str(), us(p.invoke_min_us).c_str(), us(p.invoke_max_us).c_str(),
                         p.iterations, p.warmup);
  host::TextTable t({"#", "op", "µs", "%", "MACs"}, {true, false, true, true, true});
  for (const host::LayerTiming& l : p.layers)
    t.add({std::to_string(l.index), l.op, us(l.median_us), host::strprintf("%.1f", l.percent),
           l.macs ? host::group_digits(l.macs) : "-"});
  out += "\nlayers (median µs of each op run alone):\n" + t.render("  ");
  out += "  sum of layer medians: " + us(p.layers_total_us) + " µs\n";
  return out;
}

nlohmann::ordered_json bench_json(const BenchOptions& o, const host::Session& s, const host::Profile& p, uint64_t macs) {
  nlohmann::ordered_json j;
  j["model"] = o.model;
  j["inputs"] = o.inputs.empty() ? nlohmann::ordered_json{{"generated", true}, {"sample", o.sample}, {"float_range", o.range}}
                                 : nlohmann::ordered_json{{"generated", false}, {"files", o.inputs}};
  j["iterations"] = p.iterations;
  j["warmup"] = p.warmup;
  j["arena_bytes"] = s.plan().total_bytes;
  j["macs"] = macs;
  j["invoke_us_median"] = p.invoke_median_us;
  j["invoke_us_min"] = p.invoke_min_us;
  j["invoke_us_max"] = p.invoke_max_us;
  j["layers_us_total"] = p.layers_total_us;
  j["layers"] = nlohmann::ordered_json::array();
  for (const host::LayerTiming& l : p.layers)
    j["layers"].push_back({{"index", l.index}, {"op", l.op}, {"us_median", l.median_us}, {"percent", l.percent}, {"macs", l.macs}});
  return j;
}

int run_bench(const BenchOptions& o) {
  if (o.range.size() != 2 || !(o.range[0] < o.range[1]))
    throw UsageError("--float-range needs LO HI with LO < HI");
  host::Session s(o.model);
  mote::Interpreter& interp = s.interp();
  const int n_in = interp.num_inputs();
  if (!o.inputs.empty() && static_cast<int>(o.inputs.size()) != n_in)
    throw UsageError(o.model + " has " + std::to_string(n_in) + " input(s), but " + std::to_string(o.inputs.size()) +
                     " --input file(s) were given (give one per input, or none for generated inputs)");
  if (o.inputs.empty()) {
    host::fill_generated_inputs(interp, o.sample, {o.range[0], o.range[1]});
  } else {
    for (int i = 0; i < n_in; ++i) host::load_input(interp, i, o.inputs[static_cast<size_t>(i)]);
  }
  // Later ops may reuse input bytes, so keep a copy and restore it before every timed run.
  std::vector<std::vector<uint8_t>> saved;
  for (int i = 0; i < n_in; ++i) {
    mote::TensorRef r = interp.input(i);
    const uint8_t* p = static_cast<const uint8_t*>(r.data);
    saved.emplace_back(p, p + r.bytes);
  }
  auto restore = [&] {
    for (int i = 0; i < n_in; ++i) std::memcpy(interp.input(i).data, saved[static_cast<size_t>(i)].data(), saved[static_cast<size_t>(i)].size());
  };
  host::Profile p = host::profile(s, {o.iterations, o.warmup}, restore);
  uint64_t macs = 0;
  for (const host::LayerTiming& l : p.layers) macs += l.macs;
  std::string out = o.json ? bench_json(o, s, p, macs).dump(2) + "\n" : bench_text(o, s, p, macs);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace

Command add_bench(CLI::App& app) {
  auto o = std::make_shared<BenchOptions>();
  CLI::App* sub = app.add_subcommand("bench", "Time a model: median µs per invoke and a per-layer profile");
  sub->add_option("MODEL", o->model, "The .tflite model file")->required()->type_name("FILE");
  sub->add_option("-i,--input", o->inputs,
                  "Input file (.bin or .npy, as for `mote run`), one per model input; default: generated")
      ->type_name("FILE")->allow_extra_args(false);
  sub->add_option("-n,--iterations", o->iterations, "Timed invokes (and timed per-layer passes)")->capture_default_str()->type_name("N")
      ->check(CLI::Range(1, 1000000));
  sub->add_option("--warmup", o->warmup, "Untimed invokes before timing")->capture_default_str()->type_name("N")->check(CLI::Range(0, 1000000));
  sub->add_option("--sample", o->sample, "Generated input sample k")->capture_default_str()->type_name("K")->check(CLI::Range(0, 65535));
  sub->add_option("--float-range", o->range, "Range [LO, HI) of generated float inputs")->capture_default_str()->type_name("LO HI")->expected(2);
  sub->add_flag("--json", o->json, "Print one JSON object instead of tables (schema in docs/cli.md)");
  sub->footer(
      "Default inputs come from the conformance generator (../shared/conformance/README.md) with\n"
      "sample k = 0, the bytes of the golden input_0_<i>.bin files: int8/int16/uint8/int32 over\n"
      "their full range; float inputs have no known range, so [-1, 1) unless --float-range is given.\n"
      "Timing: steady_clock around each invoke (median, min, max), then each op alone with\n"
      "invoke_op (median per op, % of the sum of op medians). Inputs are restored before each run.");
  return {sub, [o] { return run_bench(*o); }};
}

}  // namespace mote::cli
