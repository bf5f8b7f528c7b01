// The `mote` command line. Subcommands live in cli/cmd_*.cc.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "host/error.h"
#include "host/version.h"

namespace {

// Prints "mote: <message>" as exactly one line.
void print_error(const std::string& message) {
  std::string line = message;
  for (char& c : line)
    if (c == '\n' || c == '\r') c = ' ';
  while (!line.empty() && line.back() == ' ') line.pop_back();
  std::fprintf(stderr, "mote: %s\n", line.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mote: train, quantize, run, measure and export TinyML models (.tflite) the way a microcontroller will run them.", "mote"};
  app.set_version_flag("--version", std::string("mote ") + mote::host::version(), "Print the mote version and exit");
  app.require_subcommand(1);
  app.footer(
      "Exit status: 0 success, 1 failure, 2 usage error; every error is one line on stderr, \"mote: ...\".\n"
      "Run `mote <command> --help` for the options of a command.");
  std::vector<mote::cli::Command> commands = {mote::cli::add_inspect(app), mote::cli::add_run(app),
                                              mote::cli::add_bench(app), mote::cli::add_export(app),
                                              mote::cli::add_quantize(app), mote::cli::add_eval(app),
                                              mote::cli::add_train(app)};
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version: printed on stdout, status 0
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    if (argc > 1 && argv[1][0] != '-' && app.get_subcommands().empty())
      what = std::string("unknown command '") + argv[1] + "' (commands: inspect, run, bench, export, quantize, eval, train; see mote --help)";
    else if (what.find("subcommand is required") != std::string::npos)
      what = "a command is required: inspect, run, bench, export, quantize, eval or train (see mote --help)";
    print_error(what);
    return 2;
  }
  for (const mote::cli::Command& c : commands) {
    if (!c.app->parsed()) continue;
    try {
      return c.run();
    } catch (const mote::cli::UsageError& e) {
      print_error(e.what());
      return 2;
    } catch (const std::exception& e) {
      print_error(e.what());
      return 1;
    }
  }
  print_error("no command given (see mote --help)");
  return 2;
}
