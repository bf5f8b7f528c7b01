// mote datasets — paths, whole-file reads (gzip-aware) and class folder listings.
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include "host/data/readers.h"
#include "host/error.h"
#include "host/files.h"

namespace mote::data {

namespace fs = std::filesystem;
using host::HostError;

std::string resolve_path(const DataSpec& spec, const std::string& path, const char* what) {
  fs::path p(path);
  if (p.is_relative() && !spec.base_dir.empty()) p = fs::path(spec.base_dir) / p;
  std::error_code ec;
  if (!fs::exists(p, ec)) throw HostError(std::string("data: ") + what + " '" + p.string() + "' does not exist");
  return p.string();
}

std::vector<uint8_t> read_bytes(const std::string& path, bool gunzip) {
  if (!gunzip) {
    const host::AlignedBuffer b = host::read_file(path);  // names the file on any failure
    return std::vector<uint8_t>(b.data(), b.data() + b.size());
  }
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw HostError(path + ": is a directory, not a file");
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) throw HostError(path + ": cannot open: " + std::strerror(errno));
  gzbuffer(f, 1 << 18);
  std::vector<uint8_t> out;
  const size_t chunk = 1 << 20;
  for (;;) {
    size_t old = out.size();
    out.resize(old + chunk);
    int got = gzread(f, out.data() + old, static_cast<unsigned>(chunk));
    if (got < 0) {
      int code = 0;
      std::string msg = gzerror(f, &code);
      gzclose(f);
      throw HostError(path + ": cannot read: " + msg);
    }
    out.resize(old + static_cast<size_t>(got));
    if (static_cast<size_t>(got) < chunk) break;
  }
  int code = 0;
  const char* msg = gzerror(f, &code);
  if (code != Z_OK) {
    std::string text = msg;
    gzclose(f);
    throw HostError(path + ": corrupt or truncated gzip data: " + text);
  }
  gzclose(f);
  return out;
}

namespace {

std::string lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& e : v) s += (s.empty() ? "" : ", ") + e;
  return s;
}

std::vector<std::string> class_folders(const std::string& root) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) throw HostError("data: '" + root + "' is not a folder (expected root/<class>/...)");
  std::vector<std::string> names;
  for (const fs::directory_entry& e : fs::directory_iterator(root)) {
    if (e.is_directory()) names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  if (names.empty()) throw HostError(root + ": no class folders (expected root/<class>/...)");
  return names;
}

// Files of one class folder with a listed extension, sorted by name.
std::vector<std::string> class_member_files(const fs::path& dir, const std::vector<std::string>& extensions) {
  std::vector<std::string> files;
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::string ext = lower(e.path().extension().string());
    if (std::find(extensions.begin(), extensions.end(), ext) != extensions.end()) files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    throw HostError(dir.string() + ": empty class folder (no " + join(extensions) + " files)");
  }
  return files;
}

}  // namespace

ClassFiles list_class_files(const std::string& root, const std::vector<std::string>& extensions,
                            const std::vector<std::string>& class_names) {
  std::vector<std::string> found = class_folders(root);
  ClassFiles out;
  out.class_names = class_names.empty() ? found : class_names;
  std::set<std::string> known(out.class_names.begin(), out.class_names.end());
  for (const std::string& name : found) {
    if (known.count(name) == 0) {
      throw HostError(root + ": class folder '" + name + "' is not one of the classes [" + join(out.class_names) + "]");
    }
  }
  for (size_t c = 0; c < out.class_names.size(); ++c) {
    fs::path dir = fs::path(root) / out.class_names[c];
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;  // a named class without samples in this split
    for (std::string& f : class_member_files(dir, extensions)) {
      out.files.push_back(std::move(f));
      out.labels.push_back(static_cast<int>(c));
    }
  }
  return out;
}

}  // namespace mote::data
