// The `mote` command line. Subcommands live in cli/cmd_*.cc.
#include <cstdio>

int main(int argc, char** argv) {
  (void)argc;
  (void)argv;
  std::fprintf(stderr, "mote: no subcommands yet\n");
  return 2;
}
