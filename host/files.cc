#include "host/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>

#include "host/error.h"

namespace mote::host {

namespace {

std::string os_error(const std::string& path, const char* what, int errnum) {
  return path + ": " + what + ": " + std::strerror(errnum);
}

// Closes a file descriptor on scope exit.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

AlignedBuffer::AlignedBuffer(size_t bytes) : size_(bytes) {
  size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  if (rounded == 0) rounded = kAlignment;
  void* p = std::aligned_alloc(kAlignment, rounded);
  if (p == nullptr) throw std::bad_alloc();
  std::memset(p, 0, rounded);
  ptr_.reset(static_cast<uint8_t*>(p));
}

AlignedBuffer read_file(const std::string& path) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) throw HostError(os_error(path, "cannot open", errno));
  struct stat st;
  if (::fstat(f.fd, &st) != 0) throw HostError(os_error(path, "cannot stat", errno));
  if (S_ISDIR(st.st_mode)) throw HostError(path + ": is a directory, not a file");
  if (!S_ISREG(st.st_mode)) throw HostError(path + ": not a regular file");
  AlignedBuffer buf(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < buf.size()) {
    ssize_t n = ::read(f.fd, buf.data() + done, buf.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw HostError(os_error(path, "cannot read", errno));
    if (n == 0) throw HostError(path + ": file shrank while reading (" + std::to_string(done) + " of " +
                                std::to_string(buf.size()) + " bytes read)");
    done += static_cast<size_t>(n);
  }
  return buf;
}

void write_file(const std::string& path, const void* bytes, size_t size) {
  Fd f{::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
  if (f.fd < 0) throw HostError(os_error(path, "cannot create", errno));
  const uint8_t* p = static_cast<const uint8_t*>(bytes);
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::write(f.fd, p + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw HostError(os_error(path, "cannot write", errno));
    done += static_cast<size_t>(n);
  }
  int fd = f.fd;
  f.fd = -1;
  if (::close(fd) != 0) throw HostError(os_error(path, "cannot write", errno));
}

void write_file_atomically(const std::string& path, const void* bytes, size_t size) {
  const std::string tmp = path + ".tmp" + std::to_string(::getpid());
  try {
    write_file(tmp, bytes, size);
  } catch (...) {
    std::remove(tmp.c_str());
    throw;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    std::remove(tmp.c_str());
    throw HostError(os_error(path, "cannot replace", e));
  }
}

std::unique_ptr<LoadedModel> load_model(const std::string& path) {
  auto m = std::make_unique<LoadedModel>();
  m->path = path;
  m->bytes = read_file(path);
  if (m->bytes.size() == 0) throw HostError(path + ": file is empty");
  mote::Error err;
  mote::Status s = m->model.load(m->bytes.data(), m->bytes.size(), &err);
  if (s != mote::Status::kOk)
    throw HostError(path + ": not a valid model (" + mote::status_name(s) + "): " + err.message);
  return m;
}

}  // namespace mote::host
