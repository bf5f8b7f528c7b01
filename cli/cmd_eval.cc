// `mote eval`: placeholder registration until the command lands; it refuses to run.
#include "cli/commands.h"

namespace mote::cli {

Command add_eval(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("eval", "(not available yet)");
  sub->group("");  // hidden from --help
  return {sub, [] () -> int { throw UsageError("'eval' is not available in this build"); }};
}

}  // namespace mote::cli
