#include "tests/support/cli_runner.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace mote::testing {

namespace {

std::string read_and_remove(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  f.close();
  std::remove(path.c_str());
  return ss.str();
}

}  // namespace

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

CliResult run_mote(const std::vector<std::string>& args) {
  static std::atomic<int> counter{0};
  const std::string base = ::testing::TempDir() + "mote_cli_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  const std::string out = base + ".out", err = base + ".err";
  std::string cmd = shell_quote(MOTE_CLI_PATH);
  for (const std::string& a : args) cmd += " " + shell_quote(a);
  cmd += " >" + shell_quote(out) + " 2>" + shell_quote(err) + " </dev/null";
  const int raw = std::system(cmd.c_str());
  CliResult r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = read_and_remove(out);
  r.err = read_and_remove(err);
  return r;
}

void expect_one_line_error(const CliResult& r, int status, const std::string& part) {
  EXPECT_EQ(r.status, status) << "stderr: " << r.err;
  EXPECT_EQ(r.err.rfind("mote: ", 0), 0u) << "stderr: " << r.err;
  ASSERT_FALSE(r.err.empty());
  EXPECT_EQ(r.err.back(), '\n');
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "more than one line: " << r.err;
  EXPECT_NE(r.err.find(part), std::string::npos) << "stderr: " << r.err << "expected to contain: " << part;
}

}  // namespace mote::testing
