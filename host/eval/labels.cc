// load_labels: integer class labels from a .npy (recognised by its magic bytes) or a text file.
#include <cmath>
#include <cstring>
#include <string>

#include "host/error.h"
#include "host/eval/eval.h"
#include "host/files.h"
#include "host/npy.h"

namespace mote::eval {

namespace {

std::vector<int64_t> labels_from_npy(const std::string& path, const host::AlignedBuffer& bytes) {
  const host::NpyArray a = host::parse_npy(bytes.data(), bytes.size(), path);
  const bool column = a.shape.size() == 2 && a.shape[1] == 1;
  if (a.shape.size() != 1 && !column)
    throw host::HostError(path + ": labels must have shape (N,) or (N, 1), not " + a.shape_string());
  const size_t n = a.elements();
  if (n == 0) throw host::HostError(path + ": no labels (shape " + a.shape_string() + ")");
  std::vector<int64_t> out(n);
  for (size_t i = 0; i < n; ++i) {
    if (a.dtype == host::NpyDtype::kInt64) {  // exact, whatever its size (range is checked later)
      std::memcpy(&out[i], a.data.data() + i * 8, 8);
      continue;
    }
    const double v = a.value(i);
    if (!std::isfinite(v) || v != std::floor(v) || std::fabs(v) > 2147483647.0)
      throw host::HostError(path + ": label " + std::to_string(i) + " is " + std::to_string(v) + ", not an integer");
    out[i] = static_cast<int64_t>(v);
  }
  return out;
}

std::vector<int64_t> labels_from_text(const std::string& path, const host::AlignedBuffer& bytes) {
  const std::string text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  std::vector<int64_t> out;
  size_t line_no = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    const size_t b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos || line[b] == '#') continue;
    line = line.substr(b, line.find_last_not_of(" \t\r") + 1 - b);
    size_t used = 0;
    long long v = 0;
    try {
      v = std::stoll(line, &used, 10);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != line.size())
      throw host::HostError(path + ": line " + std::to_string(line_no) + ": '" + line + "' is not an integer label");
    out.push_back(v);
  }
  if (out.empty()) throw host::HostError(path + ": no labels (expected one integer per line)");
  return out;
}

}  // namespace

std::vector<int64_t> load_labels(const std::string& path) {
  const host::AlignedBuffer bytes = host::read_file(path);
  if (bytes.size() >= 6 && std::memcmp(bytes.data(), "\x93NUMPY", 6) == 0) return labels_from_npy(path, bytes);
  return labels_from_text(path, bytes);
}

}  // namespace mote::eval
