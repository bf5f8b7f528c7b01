// `mote bench MODEL`: median time per invoke and a per-layer profile on this machine, or with
// `--target T` the model built into firmware and measured under QEMU (host/target_bench.h).
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
#include "host/target_bench.h"
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
  std::string target;     // empty: time on this machine
  std::string build_dir;  // --target: keep the firmware here
  bool timing_options = false;  // --iterations or --warmup given
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

std::string hex(const std::vector<uint8_t>& v) {
  std::string s;
  for (uint8_t b : v) s += host::strprintf("%02x", b);
  return s;
}

std::string target_text(const BenchOptions& o, const host::TargetBenchResult& r) {
  const host::FlashSplit& f = r.flash;
  std::string out = "model: " + o.model + "\n";
  out += "target: " + r.target + " (" + r.description + ")\n";
  out += o.inputs.empty() ? host::strprintf("inputs: generated, sample %d\n", o.sample) : std::string("inputs: from files\n");
  out += "instructions per inference: " + host::group_digits(r.instructions) + " (counted by the QEMU plugin between the markers)\n";
  out += "arena: " + host::group_digits(r.arena_bytes) + " bytes\n";
  out += "flash: " + host::group_digits(f.total) + " bytes = runtime code " + host::group_digits(f.runtime_code) +
         " + kernel code " + host::group_digits(f.kernel_code) + " + model data " + host::group_digits(f.model_data) +
         " + other " + host::group_digits(f.other) + " (startup, board, C library)\n";
  out += "ram: " + host::group_digits(r.ram_bytes) + " bytes (.data, .bss with the arena, stack reservation); stack used " +
         host::group_digits(r.stack_bytes) + " bytes\n";
  out += std::string("output matches host: ") + (r.output_matches_host ? "yes" : "NO") + "\n";
  if (!r.firmware.empty()) out += "firmware: " + r.firmware + "\n";
  return out;
}

nlohmann::ordered_json target_json(const BenchOptions& o, const host::TargetBenchResult& r) {
  nlohmann::ordered_json j;
  j["model"] = o.model;
  j["target"] = r.target;
  j["machine"] = r.description;
  j["inputs"] = o.inputs.empty() ? nlohmann::ordered_json{{"generated", true}, {"sample", o.sample}, {"float_range", o.range}}
                                 : nlohmann::ordered_json{{"generated", false}, {"files", o.inputs}};
  j["instructions_per_inference"] = r.instructions;
  j["arena_bytes"] = r.arena_bytes;
  j["flash_bytes"] = r.flash.total;
  j["flash"] = {{"runtime_code", r.flash.runtime_code}, {"kernel_code", r.flash.kernel_code},
                {"model_data", r.flash.model_data}, {"other", r.flash.other}};
  j["ram_bytes"] = r.ram_bytes;
  j["stack_bytes"] = r.stack_bytes;
  j["output_matches_host"] = r.output_matches_host;
  j["outputs"] = nlohmann::ordered_json::array();
  for (size_t i = 0; i < r.target_outputs.size(); ++i)
    j["outputs"].push_back({{"index", i}, {"target", hex(r.target_outputs[i])},
                            {"host", i < r.host_outputs.size() ? hex(r.host_outputs[i]) : ""}});
  j["firmware"] = r.firmware.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.firmware);
  return j;
}

int run_target_bench(const BenchOptions& o) {
  if (o.timing_options) throw UsageError("--iterations and --warmup time the host run; they do not apply with --target");
  {
    host::Session probe(o.model);  // a bad model or a wrong input count is reported before any build
    const int n_in = probe.interp().num_inputs();
    if (!o.inputs.empty() && static_cast<int>(o.inputs.size()) != n_in)
      throw UsageError(o.model + " has " + std::to_string(n_in) + " input(s), but " + std::to_string(o.inputs.size()) +
                       " --input file(s) were given (give one per input, or none for generated inputs)");
  }
  host::TargetBenchOptions t;
  t.model_path = o.model;
  t.target = o.target;
  t.inputs = o.inputs;
  t.sample = o.sample;
  t.range = {o.range[0], o.range[1]};
  t.build_dir = o.build_dir;
  const host::TargetBenchResult r = host::bench_on_target(t);
  std::string out = o.json ? target_json(o, r).dump(2) + "\n" : target_text(o, r);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

int run_bench(const BenchOptions& o) {
  if (o.range.size() != 2 || !(o.range[0] < o.range[1]))
    throw UsageError("--float-range needs LO HI with LO < HI");
  if (!o.target.empty()) return run_target_bench(o);
  if (!o.build_dir.empty()) throw UsageError("--build-dir only applies with --target");
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
  std::vector<std::string> target_names;
  for (const host::TargetInfo& t : host::firmware_targets()) target_names.push_back(t.name);
  sub->add_option("--target", o->target,
                  "Build the model into firmware for this target and measure it under QEMU: instructions per "
                  "inference, arena, flash, RAM, output vs host (docs/targets.md)")
      ->type_name("TARGET")->check(CLI::IsMember(target_names));
  sub->add_option("--build-dir", o->build_dir, "With --target: build the firmware here and keep it (default: a temporary directory)")
      ->type_name("DIR");
  sub->footer(
      "Default inputs come from the conformance generator (../shared/conformance/README.md) with\n"
      "sample k = 0, the bytes of the golden input_0_<i>.bin files: int8/int16/uint8/int32 over\n"
      "their full range; float inputs have no known range, so [-1, 1) unless --float-range is given.\n"
      "Timing: steady_clock around each invoke (median, min, max), then each op alone with\n"
      "invoke_op (median per op, % of the sum of op medians). Inputs are restored before each run.\n"
      "--target cortex-m4|cortex-m7|cortex-m55|riscv32: exports the model, builds targets/common/bench_main.cc\n"
      "with the cross compiler, runs it under QEMU with the instruction-counting plugin and compares its\n"
      "output bytes with this machine's run of the same inputs. Needs the Debian packages named in\n"
      "docs/targets.md (a missing one is reported by name).");
  return {sub, [o, sub] {
            o->timing_options = sub->count("--iterations") > 0 || sub->count("--warmup") > 0;
            return run_bench(*o);
          }};
}

}  // namespace mote::cli
