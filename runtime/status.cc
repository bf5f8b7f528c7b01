#include "runtime/status.h"

#include <stdarg.h>
#include <string.h>

namespace mote {

const char* status_name(Status s) {
  switch (s) {
    case Status::kOk: return "ok";
    case Status::kMalformedModel: return "malformed model";
    case Status::kUnsupported: return "unsupported";
    case Status::kInvalidModel: return "invalid model";
    case Status::kInvalidArgument: return "invalid argument";
    case Status::kArenaTooSmall: return "arena too small";
    case Status::kNotReady: return "not ready";
  }
  return "unknown status";
}

namespace {

struct Sink {
  char* out;
  size_t cap;
  size_t len;
  void put(char c) {
    if (len + 1 < cap) out[len++] = c;
  }
  void puts(const char* s) {
    while (*s) put(*s++);
  }
};

void put_unsigned(Sink& s, unsigned long long v, unsigned base) {
  char digits[24];
  int n = 0;
  do {
    unsigned d = static_cast<unsigned>(v % base);
    digits[n++] = static_cast<char>(d < 10 ? '0' + d : 'a' + d - 10);
    v /= base;
  } while (v != 0);
  while (n > 0) s.put(digits[--n]);
}

void put_signed(Sink& s, long long v) {
  if (v < 0) {
    s.put('-');
    put_unsigned(s, 0ull - static_cast<unsigned long long>(v), 10);
  } else {
    put_unsigned(s, static_cast<unsigned long long>(v), 10);
  }
}

// Six significant decimals are enough for scales in messages; no libm, no printf.
void put_double(Sink& s, double v) {
  if (v != v) return s.puts("nan");
  if (v < 0) {
    s.put('-');
    v = -v;
  }
  if (v > 1e18) return s.puts("inf");
  if (v != 0.0 && v < 1e-4) {  // small scales: print as m * 10^-e
    int e = 0;
    while (v < 1.0) {
      v *= 10.0;
      ++e;
    }
    put_double(s, v);
    s.puts("e-");
    put_unsigned(s, static_cast<unsigned>(e), 10);
    return;
  }
  unsigned long long whole = static_cast<unsigned long long>(v);
  double frac = v - static_cast<double>(whole);
  unsigned long long micro = static_cast<unsigned long long>(frac * 1e6 + 0.5);
  if (micro >= 1000000ull) {
    whole += 1;
    micro -= 1000000ull;
  }
  put_unsigned(s, whole, 10);
  if (micro == 0) return;
  s.put('.');
  char d[6];
  for (int i = 5; i >= 0; --i) {
    d[i] = static_cast<char>('0' + micro % 10);
    micro /= 10;
  }
  int last = 5;
  while (last > 0 && d[last] == '0') --last;
  for (int i = 0; i <= last; ++i) s.put(d[i]);
}

void vformat(Sink& s, const char* fmt, va_list ap) {
  for (const char* p = fmt; *p; ++p) {
    if (*p != '%') {
      s.put(*p);
      continue;
    }
    ++p;
    int longs = 0;
    bool size_t_arg = false;
    while (*p == 'l') {
      ++longs;
      ++p;
    }
    if (*p == 'z') {
      size_t_arg = true;
      ++p;
    }
    switch (*p) {
      case 'd':
      case 'i':
        if (size_t_arg) put_signed(s, static_cast<long long>(va_arg(ap, size_t)));
        else if (longs >= 2) put_signed(s, va_arg(ap, long long));
        else if (longs == 1) put_signed(s, va_arg(ap, long));
        else put_signed(s, va_arg(ap, int));
        break;
      case 'u':
      case 'x': {
        unsigned base = *p == 'x' ? 16 : 10;
        if (size_t_arg) put_unsigned(s, va_arg(ap, size_t), base);
        else if (longs >= 2) put_unsigned(s, va_arg(ap, unsigned long long), base);
        else if (longs == 1) put_unsigned(s, va_arg(ap, unsigned long), base);
        else put_unsigned(s, va_arg(ap, unsigned), base);
        break;
      }
      case 'f':
      case 'g': put_double(s, va_arg(ap, double)); break;
      case 's': {
        const char* str = va_arg(ap, const char*);
        s.puts(str ? str : "(null)");
        break;
      }
      case 'c': s.put(static_cast<char>(va_arg(ap, int))); break;
      case '%': s.put('%'); break;
      case '\0': return;
      default: s.put('?'); break;
    }
  }
}

}  // namespace

size_t format_message(char* out, size_t capacity, const char* fmt, ...) {
  if (out == nullptr || capacity == 0) return 0;
  Sink s{out, capacity, 0};
  va_list ap;
  va_start(ap, fmt);
  vformat(s, fmt, ap);
  va_end(ap);
  out[s.len] = '\0';
  return s.len;
}

size_t format_message_v(char* out, size_t capacity, const char* fmt, va_list ap) {
  if (out == nullptr || capacity == 0) return 0;
  Sink s{out, capacity, 0};
  vformat(s, fmt, ap);
  out[s.len] = '\0';
  return s.len;
}

Status fail(Error* err, Status code, const char* fmt, ...) {
  if (err == nullptr) return code;
#if defined(MOTE_STRIP_ERROR_STRINGS)
  (void)fmt;
  err->message[0] = '\0';
#else
  Sink s{err->message, Error::kCapacity, 0};
  va_list ap;
  va_start(ap, fmt);
  vformat(s, fmt, ap);
  va_end(ap);
  err->message[s.len] = '\0';
#endif
  return code;
}

}  // namespace mote
