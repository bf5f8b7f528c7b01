// `mote export MODEL --name NAME -o DIR [--labels FILE] [--input FILE...]`: the model as C++ sources
// for a firmware (host/export.h).
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "host/export.h"
#include "host/text.h"

namespace mote::cli {

namespace {

int run_export(const host::ExportOptions& o) {
  std::string why;
  if (!host::is_c_identifier(o.name, &why)) throw UsageError("--name '" + o.name + "' is not a valid C identifier: " + why);
  host::ExportResult r = host::export_model(o);
  std::string out;
  for (const host::ExportedFile& f : r.files) out += "wrote " + o.out_dir + "/" + f.name + "\n";
  out += "ops: ";
  for (size_t i = 0; i < r.ops.size(); ++i) out += (i ? ", " : "") + r.ops[i];
  out += "\narena: " + host::group_digits(r.arena_bytes) + " bytes on a 32-bit target (" + o.name + "_kArenaBytes32), " +
         host::group_digits(r.arena_bytes_host) + " on a 64-bit host (" + o.name + "_kArenaBytes64)\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace

Command add_export(CLI::App& app) {
  auto o = std::make_shared<host::ExportOptions>();
  CLI::App* sub = app.add_subcommand("export", "Write a model as C++ sources for a firmware (array, settings, op registration)");
  sub->add_option("MODEL", o->model_path, "The .tflite model file")->required()->type_name("FILE");
  sub->add_option("--name", o->name, "C identifier prefixing every generated symbol (NAME_model, NAME_kArenaBytes, ...)")
      ->required()->type_name("NAME");
  sub->add_option("-o,--output-dir", o->out_dir, "Directory for the generated files (created if missing)")
      ->required()->type_name("DIR");
  sub->add_option("--labels", o->labels_path, "Text file, one label per line, one per element of output 0")->type_name("FILE");
  sub->add_option("-i,--input", o->inputs,
                  "Input file (.bin or .npy), one per model input: also write model_input.h for the example firmware")
      ->type_name("FILE")->allow_extra_args(false);
  sub->footer(
      "Writes DIR/NAME_model.h and DIR/NAME_model.cc (the model as alignas(16) const unsigned char\n"
      "NAME_model[], kept in flash, and NAME_model_len) and DIR/NAME_model_settings.h (input and\n"
      "output shapes, types, scales and zero points, labels, the exact arena NAME_kArenaBytes (for\n"
      "32-bit targets and 64-bit hosts alike), and NAME_register_ops(), which registers exactly the\n"
      "ops the model uses).\n"
      "The output is deterministic. Compile NAME_model.cc with the mote checkout on the include path.\n"
      "See docs/firmware.md.");
  return {sub, [o] { return run_export(*o); }};
}

}  // namespace mote::cli
