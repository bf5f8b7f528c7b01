// mote datasets — folders of images, one sub-folder per class.
//
// Files: binary PGM (P5, grayscale) and PPM (P6, RGB) read here, with maxval up to 65535 (values
// rescaled to 0..255 when maxval is not 255); PNG through libpng's simplified API (any bit depth,
// palette and interlacing; gray or RGB kept as in the file, alpha composited onto black, 16-bit
// reduced to 8-bit by libpng). Images are not resized: every image must have the size of the first
// one. Channels follow spec.channels (0 = the first image's): RGB -> gray is
// 0.299 R + 0.587 G + 0.114 B, gray -> RGB repeats the value.
#include <png.h>

#include <cctype>
#include <cmath>
#include <cstring>

#include "host/data/readers.h"
#include "host/error.h"

namespace mote::data {

using host::HostError;

namespace {

// Reads the next header token of a PNM file (skipping whitespace and # comments).
std::string pnm_token(const std::string& path, const std::vector<uint8_t>& b, size_t* pos) {
  while (*pos < b.size()) {
    if (b[*pos] == '#') {
      while (*pos < b.size() && b[*pos] != '\n') ++*pos;
    } else if (std::isspace(b[*pos])) {
      ++*pos;
    } else {
      break;
    }
  }
  std::string t;
  while (*pos < b.size() && !std::isspace(b[*pos]) && b[*pos] != '#') t += static_cast<char>(b[(*pos)++]);
  if (t.empty()) throw HostError(path + ": truncated PNM header");
  return t;
}

int pnm_number(const std::string& path, const std::vector<uint8_t>& b, size_t* pos, const char* what, int max) {
  std::string t = pnm_token(path, b, pos);
  if (t.size() > 9 || t.find_first_not_of("0123456789") != std::string::npos || std::stoi(t) < 1 || std::stoi(t) > max) {
    throw HostError(path + ": bad PNM " + what + " '" + t + "' (1.." + std::to_string(max) + ")");
  }
  return std::stoi(t);
}

std::vector<uint8_t> read_pnm(const std::string& path, const std::vector<uint8_t>& b, int* h, int* w, int* c) {
  size_t pos = 2;
  *c = b[1] == '5' ? 1 : 3;
  *w = pnm_number(path, b, &pos, "width", 1 << 16);
  *h = pnm_number(path, b, &pos, "height", 1 << 16);
  const int maxval = pnm_number(path, b, &pos, "maxval", 65535);
  ++pos;  // the single whitespace byte before the pixels
  const size_t bytes_per = maxval > 255 ? 2 : 1;
  const size_t n = static_cast<size_t>(*h) * static_cast<size_t>(*w) * static_cast<size_t>(*c);
  if (pos > b.size() || b.size() - pos < n * bytes_per) {
    throw HostError(path + ": truncated: " + std::to_string(*w) + "x" + std::to_string(*h) + " needs " +
                    std::to_string(n * bytes_per) + " bytes of pixels, the file has " +
                    std::to_string(pos > b.size() ? 0 : b.size() - pos));
  }
  std::vector<uint8_t> out(n);
  for (size_t i = 0; i < n; ++i) {
    unsigned v = bytes_per == 2 ? (b[pos + 2 * i] << 8) | b[pos + 2 * i + 1] : b[pos + i];
    if (v > static_cast<unsigned>(maxval)) v = static_cast<unsigned>(maxval);
    out[i] = maxval == 255 ? static_cast<uint8_t>(v) : static_cast<uint8_t>((v * 255u + maxval / 2) / maxval);
  }
  return out;
}

std::vector<uint8_t> read_png(const std::string& path, const std::vector<uint8_t>& b, int* h, int* w, int* c) {
  png_image img;
  std::memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&img, b.data(), b.size())) {
    throw HostError(path + ": cannot read PNG: " + img.message);
  }
  img.format = (img.format & PNG_FORMAT_FLAG_COLOR) ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  *h = static_cast<int>(img.height);
  *w = static_cast<int>(img.width);
  *c = (img.format & PNG_FORMAT_FLAG_COLOR) ? 3 : 1;
  std::vector<uint8_t> out(PNG_IMAGE_SIZE(img), 0);
  if (!png_image_finish_read(&img, nullptr, out.data(), 0, nullptr)) {
    std::string msg = img.message;
    png_image_free(&img);
    throw HostError(path + ": cannot read PNG: " + msg);
  }
  return out;
}

// One image's values converted to `channels` channels.
void convert_channels(const std::vector<uint8_t>& px, int from, int to, float* dst) {
  const size_t pixels = px.size() / static_cast<size_t>(from);
  for (size_t p = 0; p < pixels; ++p) {
    const uint8_t* s = &px[p * static_cast<size_t>(from)];
    if (from == to) {
      for (int k = 0; k < to; ++k) dst[p * static_cast<size_t>(to) + static_cast<size_t>(k)] = s[k];
    } else if (to == 1) {
      dst[p] = 0.299f * s[0] + 0.587f * s[1] + 0.114f * s[2];
    } else {
      for (int k = 0; k < 3; ++k) dst[p * 3 + static_cast<size_t>(k)] = s[0];
    }
  }
}

}  // namespace

std::vector<uint8_t> read_image(const std::string& path, int* h, int* w, int* c) {
  std::vector<uint8_t> b = read_bytes(path, false);
  if (b.size() >= 8 && png_sig_cmp(b.data(), 0, 8) == 0) return read_png(path, b, h, w, c);
  if (b.size() >= 2 && b[0] == 'P' && (b[1] == '5' || b[1] == '6')) return read_pnm(path, b, h, w, c);
  if (b.size() >= 2 && b[0] == 'P' && b[1] >= '1' && b[1] <= '4') {
    throw HostError(path + ": ASCII/bitmap PNM (P" + std::string(1, static_cast<char>(b[1])) +
                    "); only binary PGM (P5) and PPM (P6) are supported");
  }
  throw HostError(path + ": not a PNG, PGM (P5) or PPM (P6) image");
}

Loaded read_image_folder(const DataSpec& spec, const std::string& root, const std::vector<std::string>& class_names,
                         const train::Shape& expect_shape) {
  if (spec.channels != 0 && spec.channels != 1 && spec.channels != 3) {
    throw HostError("data: channels must be 1 (grayscale) or 3 (RGB), got " + std::to_string(spec.channels));
  }
  ClassFiles cf = list_class_files(root, {".pgm", ".ppm", ".png"}, class_names);
  const int n = static_cast<int>(cf.files.size());
  Loaded out;
  train::Shape shape = expect_shape;  // (H, W, C), from the first image when not given
  std::string first = "the training images are";
  if (!shape.empty()) out.x = train::Tensor({n, shape[0], shape[1], shape[2]});
  for (int i = 0; i < n; ++i) {
    const std::string& file = cf.files[static_cast<size_t>(i)];
    int h = 0, w = 0, c = 0;
    std::vector<uint8_t> px = read_image(file, &h, &w, &c);
    if (shape.empty()) {
      shape = {h, w, spec.channels != 0 ? spec.channels : c};
      first = file + " is";
      out.x = train::Tensor({n, shape[0], shape[1], shape[2]});
    }
    if (h != shape[0] || w != shape[1]) {
      throw HostError(file + " is " + std::to_string(h) + "x" + std::to_string(w) + " (HxW) but " + first + " " +
                      std::to_string(shape[0]) + "x" + std::to_string(shape[1]) + "; all images must have the same size");
    }
    convert_channels(px, c, shape[2], out.x.data() + static_cast<size_t>(i) * train::shape_elements(shape));
  }
  out.y = train::Tensor({n});
  for (int i = 0; i < n; ++i) out.y.at(static_cast<size_t>(i)) = static_cast<float>(cf.labels[static_cast<size_t>(i)]);
  out.class_names = cf.class_names;
  out.default_scale = 1.0f / 255.0f;
  std::vector<std::string> files = std::move(cf.files);
  out.where = [files](int i) { return files[static_cast<size_t>(i)]; };
  return out;
}

}  // namespace mote::data
