// `mote quantize FLOAT.tflite --calib DATA -o OUT.tflite [--method minmax|percentile|mse]
// [--percentile P] [--per-tensor] [--io float|int8] [--int16 | --int16-layer TENSOR ...] [--limit N]
// [--verbose]`:
// post-training full-integer quantization (host/quant/quantize.h, docs/quantize.md).

#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/progress.h"
#include "host/error.h"
#include "host/files.h"
#include "host/ir/tflite_reader.h"
#include "host/ir/tflite_writer.h"
#include "host/quant/calib_data.h"
#include "host/quant/quantize.h"
#include "host/text.h"

namespace mote::cli {

namespace {

struct QuantizeCliOptions {
  std::string model, calib, output, method = "minmax", io = "int8";
  double percentile = 99.99;
  bool per_tensor = false, int16 = false, verbose = false;
  std::vector<std::string> int16_layers;
  size_t limit = 0;
};

bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec;
  if (std::filesystem::equivalent(a, b, ec)) return true;
  return std::filesystem::weakly_canonical(a, ec) == std::filesystem::weakly_canonical(b, ec);
}

std::string summary(const QuantizeCliOptions& o, const quant::QuantizeReport& r, size_t bytes) {
  char line[512];
  std::string s;
  const std::string act = o.int16 ? "int16 activations (16x8)"
                         : o.int16_layers.empty() ? "int8 activations"
                                                  : "int8 activations (" + std::to_string(o.int16_layers.size()) + " op(s) 16x8)";
  std::snprintf(line, sizeof(line), "wrote %s: %s bytes, %s, %s weights, %s I/O\n", o.output.c_str(),
                host::group_digits(bytes).c_str(), act.c_str(), o.per_tensor ? "per-tensor" : "per-channel",
                o.io == "float" ? "float" : (o.int16 ? "int16" : "int8"));
  s += line;
  std::snprintf(line, sizeof(line), "calibration: %s, %zu samples (%zu runs)\n", r.method.c_str(), r.samples,
                r.calibration_runs);
  s += line;
  s += "ops quantized: " + std::to_string(r.ops_quantized);
  if (r.requantize_ops_added) s += " (+" + std::to_string(r.requantize_ops_added) + " requantizing QUANTIZE)";
  s += "\n";
  for (const std::string& n : r.notes) s += "rewrite: " + n + "\n";
  if (!o.verbose) return s;
  s += "tensor ranges (seen min..max -> covered lo..hi: scale, zero point, rule):\n";
  for (const quant::TensorRange& t : r.ranges) {
    std::snprintf(line, sizeof(line), "  %4d %-40.40s %10.4g..%-10.4g -> %10.4g..%-10.4g  %.6g, %d  %s\n", t.tensor,
                  t.name.c_str(), t.min, t.max, t.lo, t.hi, static_cast<double>(t.scale), t.zero_point, t.rule.c_str());
    s += line;
  }
  return s;
}

int run_quantize(QuantizeCliOptions o) {
  if (same_file(o.model, o.output)) throw UsageError("-o " + o.output + " is the input model; mote quantize never overwrites it");
  if (o.int16 && !o.int16_layers.empty()) throw UsageError("--int16-layer and --int16 exclude each other (--int16 is every layer)");
  if (o.percentile != 99.99 && o.method != "percentile")
    throw UsageError("--percentile applies only to --method percentile");
  const ir::Graph f = ir::read_tflite_file(o.model);
  quant::check_quantizable(f, o.model);
  std::vector<std::vector<float>> samples = quant::load_samples(o.calib, f.tensors[f.inputs[0]].shape);
  if (o.limit && samples.size() > o.limit) samples.resize(o.limit);
  quant::QuantizeOptions q;
  static const std::map<std::string, quant::Calibration> methods = {
      {"minmax", quant::Calibration::kMinMax}, {"percentile", quant::Calibration::kPercentile}, {"mse", quant::Calibration::kMse}};
  q.method = methods.at(o.method);
  q.percentile = o.percentile;
  q.per_channel = !o.per_tensor;
  q.io = o.io == "float" ? quant::IoType::kFloat : quant::IoType::kInt8;
  q.int16_activations = o.int16;
  q.int16_layers = o.int16_layers;
  q.name = o.model;
  quant::QuantizeReport r;
  ir::Graph g;
  {
    ProgressBar bar("calibrating", "runs");
    q.progress = [&bar](size_t done, size_t total) { bar.update(done, total); };
    g = quant::quantize(f, samples, q, &r);
  }
  const std::vector<uint8_t> bytes = ir::write_tflite(g);
  host::write_file_atomically(o.output, bytes.data(), bytes.size());
  const std::string out = summary(o, r, bytes.size());
  std::fwrite(out.data(), 1, out.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace

Command add_quantize(CLI::App& app) {
  auto o = std::make_shared<QuantizeCliOptions>();
  CLI::App* sub = app.add_subcommand("quantize", "Quantize a float model to full integer (int8, or 16x8) with calibration data");
  sub->add_option("FLOAT", o->model, "The float .tflite model (hybrid int8-weight models too)")->required()->type_name("FILE");
  sub->add_option("--calib", o->calib,
                  "Calibration samples: a .npy of shape (N, *input shape) or a folder of .npy / raw float32 .bin files")
      ->required()->type_name("PATH");
  sub->add_option("-o,--output", o->output, "The quantized .tflite to write (never the input file)")->required()->type_name("FILE");
  sub->add_option("--method", o->method, "How activation ranges are chosen: minmax, percentile or mse (default minmax)")
      ->check(CLI::IsMember({"minmax", "percentile", "mse"}))->type_name("METHOD");
  sub->add_option("--percentile", o->percentile, "Percentile kept by --method percentile (default 99.99)")
      ->check(CLI::Range(50.0, 100.0))->type_name("P");
  sub->add_flag("--per-tensor", o->per_tensor, "One weight scale per tensor instead of per output channel");
  sub->add_option("--io", o->io, "Graph input/output type: int8 (default; int16 with --int16) or float (QUANTIZE/DEQUANTIZE at the edges)")
      ->check(CLI::IsMember({"float", "int8"}))->type_name("TYPE");
  sub->add_flag("--int16", o->int16, "16x8 mode: int16 activations, int8 weights, int64 biases");
  sub->add_option("--int16-layer", o->int16_layers,
                  "Mixed precision: the op writing this tensor runs in 16x8, the rest int8 (repeat for several; names as -v and mote eval print them)")
      ->type_name("TENSOR")->allow_extra_args(false);
  sub->add_option("--limit", o->limit, "Calibrate on the first N samples only")->check(CLI::PositiveNumber)->type_name("N");
  sub->add_flag("-v,--verbose", o->verbose, "Also print every activation tensor's range, scale and zero point");
  sub->footer(
      "Weights int8 symmetric (per output channel unless --per-tensor), biases int32 (int64 with --int16),\n"
      "activations int8 asymmetric per tensor, with the conventions TensorFlow Lite Micro's kernels expect.\n"
      "Batch norm (MUL/ADD after a conv) is folded and RELU/RELU6 fused first. Progress on stderr, a\n"
      "summary on stdout; the output is written atomically. See docs/quantize.md.");
  return {sub, [o] { return run_quantize(*o); }};
}

}  // namespace mote::cli
