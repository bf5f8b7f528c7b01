// mote host library — whole-file I/O and models loaded into aligned memory.
//
// The runtime reads constant tensors in place, so a model's bytes must be aligned (16 bytes is
// enough for every element type). AlignedBuffer owns such memory; load_model() reads a .tflite
// file into one, verifies it with mote::Model::load and keeps both alive together:
//
//   std::unique_ptr<mote::host::LoadedModel> m = mote::host::load_model("kws.tflite");
//   m->model.num_ops();                 // the verified view
//   mote::Interpreter interp;           // must not outlive *m
//
// Every failure throws HostError with a message naming the file: "kws.tflite: cannot open: No such
// file or directory", "kws.tflite: file is empty", "kws.tflite: not a valid model: ...".
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "runtime/model.h"

namespace mote::host {

// Heap bytes whose start is a multiple of 16. Zero-filled on construction. Moving keeps the data
// address, so views into it (a mote::Model) stay valid.
class AlignedBuffer {
 public:
  static constexpr size_t kAlignment = 16;

  AlignedBuffer() = default;
  explicit AlignedBuffer(size_t bytes);

  uint8_t* data() { return ptr_.get(); }
  const uint8_t* data() const { return ptr_.get(); }
  size_t size() const { return size_; }

 private:
  struct Free {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  std::unique_ptr<uint8_t, Free> ptr_;
  size_t size_ = 0;
};

// Reads a whole file into aligned memory. Throws HostError naming the file if it is missing,
// unreadable or a directory; an empty file is returned as an empty buffer.
AlignedBuffer read_file(const std::string& path);
// Writes `bytes` to `path` (created or truncated). Throws HostError naming the file on failure.
void write_file(const std::string& path, const void* bytes, size_t size);
// The same through a temporary file beside `path` renamed into place, so a reader never sees half
// a file and a failed write leaves what was at `path` untouched.
void write_file_atomically(const std::string& path, const void* bytes, size_t size);

// A .tflite file in aligned memory plus its verified view. Not copyable or movable: the Model
// (and any Interpreter built on it) point into it.
struct LoadedModel {
  std::string path;
  AlignedBuffer bytes;
  mote::Model model;

  LoadedModel() = default;
  LoadedModel(const LoadedModel&) = delete;
  LoadedModel& operator=(const LoadedModel&) = delete;
};

// Reads and verifies a model file. Throws HostError naming the file when it is missing,
// unreadable, empty or rejected by the verifier (the runtime's message is included).
std::unique_ptr<LoadedModel> load_model(const std::string& path);

}  // namespace mote::host
