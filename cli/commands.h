// The `mote` subcommands. Each cli/cmd_<name>.cc adds one CLI11 subcommand and returns how to run
// it once the command line is parsed.
//
// Exit status and errors (the same for every command): 0 on success; 2 for a usage error (bad
// option, wrong number of files for the model); 1 for any other failure. Errors are ONE line on
// stderr, "mote: <what went wrong>", which includes the runtime's own message.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>

#include <CLI/CLI.hpp>

namespace mote::cli {

// A command line that does not fit the command or the model (exit status 2).
class UsageError : public std::runtime_error {
 public:
  explicit UsageError(const std::string& what) : std::runtime_error(what) {}
};

struct Command {
  CLI::App* app = nullptr;    // the subcommand (true once it was given on the command line)
  std::function<int()> run;   // runs it; throws UsageError / HostError on failure
};

Command add_inspect(CLI::App& app);
Command add_run(CLI::App& app);
Command add_bench(CLI::App& app);
Command add_export(CLI::App& app);
Command add_quantize(CLI::App& app);
Command add_eval(CLI::App& app);
Command add_train(CLI::App& app);

}  // namespace mote::cli
