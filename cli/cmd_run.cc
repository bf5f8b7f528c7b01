// `mote run MODEL --input FILE... --output FILE...`: one invoke on files, bit-exact with the device.
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "host/session.h"
#include "host/tensor_io.h"

namespace mote::cli {

namespace {

struct RunOptions {
  std::string model;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
};

std::string count_text(int n, const char* what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

int run_run(const RunOptions& o) {
  for (const std::string& f : o.inputs) host::check_file_kind(f, false);
  for (const std::string& f : o.outputs) host::check_file_kind(f, true);
  host::Session s(o.model);
  mote::Interpreter& interp = s.interp();
  const int n_in = interp.num_inputs(), n_out = interp.num_outputs();
  if (static_cast<int>(o.inputs.size()) != n_in)
    throw UsageError(o.model + " has " + count_text(n_in, "input") + ", but " + std::to_string(o.inputs.size()) +
                     " --input file" + (o.inputs.size() == 1 ? " was" : "s were") + " given");
  if (static_cast<int>(o.outputs.size()) != n_out)
    throw UsageError(o.model + " has " + count_text(n_out, "output") + ", but " + std::to_string(o.outputs.size()) +
                     " --output file" + (o.outputs.size() == 1 ? " was" : "s were") + " given");
  for (int i = 0; i < n_in; ++i) host::load_input(interp, i, o.inputs[static_cast<size_t>(i)]);
  s.invoke();
  for (int j = 0; j < n_out; ++j) host::save_output(interp, j, o.outputs[static_cast<size_t>(j)]);
  return 0;
}

}  // namespace

Command add_run(CLI::App& app) {
  auto o = std::make_shared<RunOptions>();
  CLI::App* sub = app.add_subcommand("run", "Run a model once on input files and write its outputs");
  sub->add_option("MODEL", o->model, "The .tflite model file")->required()->type_name("FILE");
  sub->add_option("-i,--input", o->inputs, "Input file, one per model input, in order (repeat the option)")
      ->type_name("FILE")->allow_extra_args(false);
  sub->add_option("-o,--output", o->outputs, "Output file, one per model output, in order (repeat the option)")
      ->type_name("FILE")->allow_extra_args(false);
  sub->footer(
      "File kinds, by name:\n"
      "  .bin      raw little-endian tensor bytes; the size must equal the tensor's bytes.\n"
      "  .npy      NumPy array. Input: dtype of the tensor (<f4 |i1 <i2 <i4 |u1), or float32 for an\n"
      "            int8/int16 tensor (quantized with the tensor's scale and zero point); the shape\n"
      "            must equal the tensor's once size-1 dims are dropped. Output: the tensor's dtype.\n"
      "  .f32.npy  output only: float32, dequantized with the tensor's scale and zero point.\n"
      "The arena is exactly the planned size; the outputs are bit-exact with the device.\n"
      "Example: mote run kws.tflite --input in.bin --output out.bin");
  return {sub, [o] { return run_run(*o); }};
}

}  // namespace mote::cli
