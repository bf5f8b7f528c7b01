#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>
#include <utility>

namespace mote::cli {

ProgressBar::ProgressBar(std::string label, std::string unit)
    : label_(std::move(label)), unit_(std::move(unit)), tty_(::isatty(STDERR_FILENO) != 0) {}

ProgressBar::~ProgressBar() {
  if (mid_line_) std::fputc('\n', stderr);
}

void ProgressBar::update(size_t done, size_t total) {
  if (tty_) {
    const size_t width = 30, filled = total ? (done < total ? done : total) * width / total : width;
    std::fprintf(stderr, "\r%s [%s%s] %zu/%zu %s", label_.c_str(), std::string(filled, '#').c_str(),
                 std::string(width - filled, '.').c_str(), done, total, unit_.c_str());
    mid_line_ = done < total;
    if (!mid_line_) std::fputc('\n', stderr);
  } else if (done == total || (total >= 10 && done % (total / 10) == 0)) {
    std::fprintf(stderr, "%s: %zu/%zu %s\n", label_.c_str(), done, total, unit_.c_str());
  }
  std::fflush(stderr);
}

}  // namespace mote::cli
