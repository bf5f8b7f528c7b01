// mote runtime — errors as values.
//
// Every fallible runtime call returns a `Status`: a code plus a short message that names what
// failed, where (op index, tensor index, field) and the numbers involved. The message lives in a
// caller-owned `Error` buffer, so nothing is allocated and nothing is thrown.
//
//   mote::Error err;
//   if (mote::Status s = model.load(bytes, size, &err); s != mote::Status::kOk) {
//     printf("load failed: %s: %s\n", mote::status_name(s), err.message);
//   }
//
// Build with MOTE_STRIP_ERROR_STRINGS to drop all message text from flash: codes stay, messages
// become empty.
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

namespace mote {

enum class [[nodiscard]] Status : uint8_t {
  kOk = 0,
  // The model bytes break the .tflite format: an offset, vtable, vector or string outside the
  // buffer, a missing required field, an index out of range, inconsistent sizes.
  kMalformedModel,
  // Well-formed, but uses something mote does not run: an op not registered, a type combination
  // an op does not support, a schema version other than 3.
  kUnsupported,
  // Shapes, types or quantization parameters of an op's tensors do not agree with each other.
  kInvalidModel,
  // The caller passed something wrong: a null pointer, an index out of range, a misaligned buffer.
  kInvalidArgument,
  // The arena (or another caller-provided buffer) is smaller than what is needed.
  kArenaTooSmall,
  // Called in the wrong phase (invoke before prepare, and so on).
  kNotReady,
};

const char* status_name(Status s);

// Holds the message of the last failure. Fixed size: messages are truncated, never overflowed.
struct Error {
  static constexpr size_t kCapacity = 160;
  char message[kCapacity] = {0};
};

// printf-style formatter with a tiny, freestanding subset: %d %u %ld %lu %lld %llu %zu %x %s %c %f
// %%. Writes into err->message (if err is non-null) and returns `code`, so call sites read
//   return fail(err, Status::kMalformedModel, "tensor %d: buffer %u out of range", t, b);
Status fail(Error* err, Status code, const char* fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

// Formats into any fixed buffer; always NUL-terminates; returns the characters written.
size_t format_message(char* out, size_t capacity, const char* fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

// va_list form of format_message().
size_t format_message_v(char* out, size_t capacity, const char* fmt, va_list ap);

}  // namespace mote

#define MOTE_RETURN_IF_ERROR(expr)             \
  do {                                         \
    ::mote::Status mote_status_ = (expr);      \
    if (mote_status_ != ::mote::Status::kOk) { \
      return mote_status_;                     \
    }                                          \
  } while (0)
