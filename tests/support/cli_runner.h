// Runs the `mote` command (MOTE_CLI_PATH, the binary of this build) as a separate process, the way
// a user or a script does, with stdout and stderr captured apart and stdin closed.
//
//   CliResult r = run_mote({"quantize", model, "--calib", calib, "-o", out});
//   EXPECT_EQ(r.status, 0) << r.err;
//   expect_one_line_error(run_mote({"eval", a, b}), 2, "--data is required");
#pragma once

#include <string>
#include <vector>

namespace mote::testing {

struct CliResult {
  int status = -1;   // the exit status; -1 if the process did not exit normally
  std::string out;   // everything written to stdout
  std::string err;   // everything written to stderr
};

// `mote args...`: each argument is passed as one word (quoted for the shell).
CliResult run_mote(const std::vector<std::string>& args);

// The CLI's error contract: the status given, and stderr exactly one line "mote: ...\n" holding `part`.
void expect_one_line_error(const CliResult& r, int status, const std::string& part);

// `s` quoted for /bin/sh as a single word.
std::string shell_quote(const std::string& s);

}  // namespace mote::testing
