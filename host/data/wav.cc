// mote datasets — folders of WAV clips, one sub-folder per class.
//
// Each clip (RIFF/WAVE, PCM 16-bit mono; WAVE_FORMAT_EXTENSIBLE with a PCM sub-format too) is
// scaled to [-1, 1) by 1/32768, padded with zeros or trimmed at the end to spec.clip_samples, then
// turned into features. The only feature step today is "raw" (the waveform itself, [L, 1]); when
// dsp/ lands, a step computing on the host exactly what the device computes plugs into
// clip_features() below and the rest of the reader stays as it is.
#include <cstring>

#include "host/data/readers.h"
#include "host/error.h"

namespace mote::data {

using host::HostError;

namespace {

uint32_t le32(const uint8_t* p) { return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24); }
uint16_t le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }

struct WavFormat {
  int format = 0, channels = 0, rate = 0, bits = 0;
};

WavFormat parse_fmt(const std::string& path, const uint8_t* p, uint32_t size) {
  if (size < 16) throw HostError(path + ": 'fmt ' chunk of " + std::to_string(size) + " bytes (at least 16 expected)");
  WavFormat f;
  f.format = le16(p);
  f.channels = le16(p + 2);
  f.rate = static_cast<int>(le32(p + 4));
  f.bits = le16(p + 14);
  if (f.format == 0xFFFE && size >= 26) f.format = le16(p + 24);  // extensible: the sub-format GUID's code
  if (f.format != 1 || f.bits != 16 || f.channels != 1) {
    throw HostError(path + ": " + (f.format == 1 ? "PCM" : "format code " + std::to_string(f.format)) + ", " +
                    std::to_string(f.bits) + "-bit, " + std::to_string(f.channels) +
                    " channel(s); only PCM 16-bit mono WAV files are supported");
  }
  return f;
}

// The feature step: the waveform of one clip (already clip_samples long) -> the sample's values.
// "raw" keeps the waveform as [clip_samples, 1].
std::vector<float> clip_features(const DataSpec&, std::vector<float> wave) { return wave; }

train::Shape feature_shape(const DataSpec& spec) {
  if (spec.features != "raw") {
    throw HostError("data: features '" + spec.features + "' are not available; only 'raw' (the waveform) until dsp/ exists");
  }
  return {spec.clip_samples, 1};
}

}  // namespace

std::vector<float> read_wav(const std::string& path, int* rate) {
  std::vector<uint8_t> b = read_bytes(path, false);
  if (b.size() < 12 || std::memcmp(b.data(), "RIFF", 4) != 0 || std::memcmp(b.data() + 8, "WAVE", 4) != 0) {
    throw HostError(path + ": not a WAV file (no RIFF/WAVE header)");
  }
  bool have_fmt = false;
  size_t pos = 12;
  while (pos + 8 <= b.size()) {
    const uint8_t* id = b.data() + pos;
    const uint32_t size = le32(id + 4);
    const size_t body = pos + 8;
    if (std::memcmp(id, "fmt ", 4) == 0) {
      if (body + size > b.size()) throw HostError(path + ": truncated 'fmt ' chunk");
      *rate = parse_fmt(path, b.data() + body, size).rate;
      have_fmt = true;
    } else if (std::memcmp(id, "data", 4) == 0) {
      if (!have_fmt) throw HostError(path + ": 'data' chunk before the 'fmt ' chunk");
      if (body + size > b.size()) {
        throw HostError(path + ": truncated: the data chunk declares " + std::to_string(size) + " bytes, the file holds " +
                        std::to_string(b.size() - body));
      }
      std::vector<float> wave(size / 2);
      for (size_t i = 0; i < wave.size(); ++i) {
        wave[i] = static_cast<float>(static_cast<int16_t>(le16(b.data() + body + 2 * i))) * (1.0f / 32768.0f);
      }
      return wave;
    }
    pos = body + size + (size & 1);  // chunks are padded to an even size
  }
  throw HostError(path + (have_fmt ? ": no 'data' chunk" : ": no 'fmt ' chunk"));
}

Loaded read_wav_folder(const DataSpec& spec, const std::string& root, const std::vector<std::string>& class_names) {
  if (spec.clip_samples <= 0) throw HostError("data: clip_samples must be > 0, got " + std::to_string(spec.clip_samples));
  const train::Shape fshape = feature_shape(spec);
  ClassFiles cf = list_class_files(root, {".wav"}, class_names);
  const int n = static_cast<int>(cf.files.size());
  train::Shape shape{n};
  shape.insert(shape.end(), fshape.begin(), fshape.end());
  Loaded out;
  out.x = train::Tensor(shape);
  out.y = train::Tensor({n});
  const size_t per = train::shape_elements(fshape);
  for (int i = 0; i < n; ++i) {
    int rate = 0;
    std::vector<float> wave = read_wav(cf.files[static_cast<size_t>(i)], &rate);
    if (spec.sample_rate > 0 && rate != spec.sample_rate) {
      throw HostError(cf.files[static_cast<size_t>(i)] + ": sample rate " + std::to_string(rate) + " Hz, the spec asks for " +
                      std::to_string(spec.sample_rate));
    }
    wave.resize(static_cast<size_t>(spec.clip_samples), 0.0f);
    std::vector<float> f = clip_features(spec, std::move(wave));
    std::copy(f.begin(), f.end(), out.x.data() + per * static_cast<size_t>(i));
    out.y.at(static_cast<size_t>(i)) = static_cast<float>(cf.labels[static_cast<size_t>(i)]);
  }
  out.class_names = cf.class_names;
  std::vector<std::string> files = std::move(cf.files);
  out.where = [files](int i) { return files[static_cast<size_t>(i)]; };
  return out;
}

}  // namespace mote::data
