// mote host library — small helpers for the CLI's human-readable output.
//
//   mote::host::TextTable t({"#", "op", "MACs"}, {false, false, true});  // right-align MACs
//   t.add({"0", "CONV_2D", mote::host::group_digits(320000)});
//   std::cout << t.render("  ");   // header, then rows; columns padded to the widest cell
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mote::host {

// 2656768 -> "2,656,768".
std::string group_digits(uint64_t v);
// printf-style formatting into a std::string.
std::string strprintf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

class TextTable {
 public:
  // `right[i]` right-aligns column i (numbers); missing entries mean left-aligned.
  explicit TextTable(std::vector<std::string> header, std::vector<bool> right = {});
  void add(std::vector<std::string> row);
  // Every line starts with `indent`; trailing spaces are trimmed.
  std::string render(const std::string& indent = "") const;

 private:
  std::vector<std::string> header_;
  std::vector<bool> right_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace mote::host
