// mote datasets — the format readers behind load() (internal to host/data).
//
// Each reader turns one source (a pair of files, one CSV file, one folder tree) into a Loaded:
// raw sample values (before the spec's normalization) and labels or targets. load() (dataset.cc)
// then checks the labels against the class count, normalizes, splits and limits.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "host/data/dataset.h"

namespace mote::data {

struct Loaded {
  train::Tensor x;                        // [N, sample shape...] raw values
  train::Tensor y;                        // [N] class indices or [N, k] targets
  bool classification = true;
  std::vector<std::string> class_names;   // set when the source names its classes
  float default_scale = 1.0f;             // used when the spec gives no scale
  // Names a sample for error messages: "labels.idx: record 17", "iris.csv:18".
  std::function<std::string(int)> where;
};

// The spec's path resolved against base_dir; throws HostError "data: <what> '<path>' does not
// exist" when it is missing.
std::string resolve_path(const DataSpec& spec, const std::string& path, const char* what);
// A whole file's bytes; gzip-compressed files are inflated (zlib reads other files unchanged).
std::vector<uint8_t> read_bytes(const std::string& path, bool gunzip);

// IDX images + labels (idx.cc).
Loaded read_idx(const std::string& images, const std::string& labels);
// A CSV file, or a training and a test file sharing one class mapping (csv.cc). `test` may be
// empty; then test_out is left untouched.
void read_csv(const DataSpec& spec, const std::string& train, const std::string& test, Loaded* train_out,
              Loaded* test_out);
// .npy x and y (npy_data.cc).
Loaded read_npy_pair(const DataSpec& spec, const std::string& x, const std::string& y);

// A folder tree root/<class>/<files with one of `extensions`>, classes sorted by name, or in the
// order of `class_names` when given (folders.cc). Throws HostError for a missing root, a root
// without class folders, an empty class folder or class folders that differ from class_names.
struct ClassFiles {
  std::vector<std::string> class_names;
  std::vector<std::string> files;   // all files, class by class, each class's sorted by name
  std::vector<int> labels;          // class index of each file
};
ClassFiles list_class_files(const std::string& root, const std::vector<std::string>& extensions,
                            const std::vector<std::string>& class_names);

// WAV folders (wav.cc): root/<class>/*.wav -> [N, clip_samples, 1] in [-1, 1].
Loaded read_wav_folder(const DataSpec& spec, const std::string& root, const std::vector<std::string>& class_names);
// One WAV file's samples scaled to [-1, 1]; *rate receives its sample rate.
std::vector<float> read_wav(const std::string& path, int* rate);

// Image folders (image.cc): root/<class>/*.{pgm,ppm,png} -> [N, H, W, C], values 0..255.
// `expect_shape` (H, W, C), when not empty, is the shape every image must have (the test split
// must match the training split).
Loaded read_image_folder(const DataSpec& spec, const std::string& root, const std::vector<std::string>& class_names,
                         const train::Shape& expect_shape);
// One image: *h, *w, *c (1 or 3) and the 8-bit values, row-major HWC.
std::vector<uint8_t> read_image(const std::string& path, int* h, int* w, int* c);

// The sine generator (dataset.cc).
Loaded generate_sine(const DataSpec& spec);

}  // namespace mote::data
