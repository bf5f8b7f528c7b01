// `mote quantize`: placeholder registration until the command lands; it refuses to run.
#include "cli/commands.h"

namespace mote::cli {

Command add_quantize(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("quantize", "(not available yet)");
  sub->group("");  // hidden from --help
  return {sub, [] () -> int { throw UsageError("'quantize' is not available in this build"); }};
}

}  // namespace mote::cli
