// A one-line progress bar on stderr for the long-running commands (quantize's calibration, eval).
//
// On a terminal the line is redrawn in place with \r: "calibrating [######........] 12/40 runs".
// Otherwise (a log file, CI) it prints a plain line at every tenth of the way and at the end, so
// logs stay short. If the owner is destroyed while a bar is half drawn (an error is being thrown),
// the destructor ends the line, so the "mote: ..." error starts on a line of its own.
//
//   ProgressBar bar("calibrating", "runs");
//   options.progress = [&bar](size_t done, size_t total) { bar.update(done, total); };
#pragma once

#include <cstddef>
#include <string>

namespace mote::cli {

class ProgressBar {
 public:
  ProgressBar(std::string label, std::string unit);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void update(size_t done, size_t total);

 private:
  std::string label_, unit_;
  bool tty_ = false;
  bool mid_line_ = false;  // a bar is drawn and not finished
};

}  // namespace mote::cli
