// `mote inspect MODEL [--json]`: ops, tensors, MACs, weights and the exact arena of a model.
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "host/files.h"
#include "host/report.h"
#include "runtime/op_resolver.h"

namespace mote::cli {

namespace {

struct InspectOptions {
  std::string model;
  bool json = false;
};

int run_inspect(const InspectOptions& o) {
  std::unique_ptr<host::LoadedModel> m = host::load_model(o.model);
  mote::OpResolver resolver;
  mote::register_all_ops(&resolver);
  host::ModelReport r = host::make_report(m->model, resolver);
  std::string out = o.json ? host::report_json(r, o.model).dump(2) + "\n" : host::report_text(r, o.model);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace

Command add_inspect(CLI::App& app) {
  auto o = std::make_shared<InspectOptions>();
  CLI::App* sub = app.add_subcommand("inspect", "Show a model's ops, tensors, MACs, weights and exact arena size");
  sub->add_option("MODEL", o->model, "The .tflite model file")->required()->type_name("FILE");
  sub->add_flag("--json", o->json, "Print one JSON object instead of tables (schema in docs/cli.md)");
  sub->footer(
      "Lists every op with its count and whether mote supports it; inputs and outputs; each layer's\n"
      "MACs (conv: out elements x k_h x k_w x in_c/groups; depthwise: out elements x k_h x k_w;\n"
      "fully connected: out elements x in features; transpose conv: in elements x k_h x k_w x out_c;\n"
      "other ops count 0); every tensor with type, shape, bytes and quantization; the weight bytes;\n"
      "and the exact arena bytes the runtime needs (activations + tables + op data), with the\n"
      "activation lower bound. If an op is unsupported the rest is still shown, the arena is\n"
      "reported as unknown with the reason, and the exit status is 0.");
  return {sub, [o] { return run_inspect(*o); }};
}

}  // namespace mote::cli
