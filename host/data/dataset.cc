// mote datasets — load(): read the source, check the labels, normalize, split; the sine generator.
#include "host/data/dataset.h"

#include <algorithm>
#include <cmath>

#include "host/data/readers.h"
#include "host/error.h"

namespace mote::data {

using host::HostError;

namespace {

// Rng streams, one per use, so changing one split does not move the others.
constexpr uint64_t kStreamTest = 1, kStreamLimit = 2, kStreamValidation = 3, kStreamTestLimit = 4, kStreamSine = 5;

struct FormatName {
  Format format;
  const char* name;
};
constexpr FormatName kFormats[] = {{Format::kIdx, "idx"},          {Format::kCsv, "csv"},
                                   {Format::kNpy, "npy"},          {Format::kWavFolder, "wav_folder"},
                                   {Format::kImageFolder, "image_folder"}, {Format::kSine, "sine"}};

std::string fraction_text(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", v);
  return b;
}

void check_spec(const DataSpec& s) {
  if (!(s.validation >= 0.0 && s.validation < 1.0)) {
    throw HostError("data: validation must be a fraction in [0, 1), got " + fraction_text(s.validation));
  }
  if (!(s.test_fraction >= 0.0 && s.test_fraction < 1.0)) {
    throw HostError("data: test_fraction must be a fraction in [0, 1), got " + fraction_text(s.test_fraction));
  }
  if (s.limit < 0) throw HostError("data: limit must be >= 0, got " + std::to_string(s.limit));
  if (s.num_classes < 0) throw HostError("data: num_classes must be >= 0, got " + std::to_string(s.num_classes));
  if (s.format == Format::kSine && s.task == Task::kClassification) {
    throw HostError("data: the sine generator makes a regression task, not classification");
  }
}

// Reads the training source and, where the format has one, the test source.
void read_sources(const DataSpec& spec, Loaded* train, Loaded* test, bool* has_test) {
  *has_test = !spec.test.empty();
  auto need = [&](const std::string& p, const char* what) {
    if (p.empty()) throw HostError(std::string("data: ") + format_name(spec.format) + " needs '" + what + "'");
    return resolve_path(spec, p, what);
  };
  switch (spec.format) {
    case Format::kIdx:
    case Format::kNpy: {
      const bool idx = spec.format == Format::kIdx;
      auto read = [&](const std::string& x, const std::string& y, const char* xn, const char* yn) {
        return idx ? read_idx(need(x, xn), need(y, yn)) : read_npy_pair(spec, need(x, xn), need(y, yn));
      };
      *train = read(spec.train, spec.train_labels, "train", "train_labels");
      if (*has_test) *test = read(spec.test, spec.test_labels, "test", "test_labels");
      break;
    }
    case Format::kCsv:
      read_csv(spec, need(spec.train, "train"), *has_test ? need(spec.test, "test") : std::string(), train, test);
      break;
    case Format::kWavFolder:
      *train = read_wav_folder(spec, need(spec.train, "train"), spec.class_names);
      if (*has_test) *test = read_wav_folder(spec, need(spec.test, "test"), train->class_names);
      break;
    case Format::kImageFolder:
      *train = read_image_folder(spec, need(spec.train, "train"), spec.class_names, {});
      if (*has_test) *test = read_image_folder(spec, need(spec.test, "test"), train->class_names, train::sample_shape(train->x));
      break;
    case Format::kSine:
      *train = generate_sine(spec);
      *has_test = false;
      break;
  }
  if (*has_test && train::sample_shape(test->x) != train::sample_shape(train->x)) {
    throw HostError("data: test samples have shape " + train::shape_str(train::sample_shape(test->x)) +
                    ", training samples " + train::shape_str(train::sample_shape(train->x)));
  }
}

// Settles the class count and names and checks every label against them.
void check_labels(const DataSpec& spec, Loaded* train, Loaded* test, int* num_classes, std::vector<std::string>* names) {
  *names = !spec.class_names.empty() ? spec.class_names : train->class_names;
  int k = spec.num_classes;
  if (k > 0 && !names->empty() && static_cast<int>(names->size()) != k) {
    throw HostError("data: num_classes is " + std::to_string(k) + " but there are " + std::to_string(names->size()) +
                    " classes");
  }
  if (k == 0 && !names->empty()) k = static_cast<int>(names->size());
  const bool inferred = k == 0;
  for (Loaded* l : {train, test}) {
    if (l == nullptr) continue;
    for (size_t i = 0; i < l->y.size(); ++i) {
      const float v = l->y.at(i);
      const bool integer = std::floor(v) == v;
      if (integer && v >= 0.0f && (inferred || v < static_cast<float>(k))) {
        if (inferred) *num_classes = std::max(*num_classes, static_cast<int>(v) + 1);
        continue;
      }
      throw HostError(l->where(static_cast<int>(i)) + ": label " + fraction_text(v) + " is out of range; labels must be " +
                      (inferred ? std::string("integers >= 0") : "integers in [0, " + std::to_string(k) + ")"));
    }
  }
  if (!inferred) *num_classes = k;
  if (names->empty()) {
    for (int c = 0; c < *num_classes; ++c) names->push_back(std::to_string(c));
  }
}

void apply_shape(const DataSpec& spec, Loaded* l) {
  if (spec.shape.empty()) return;
  const train::Shape have = train::sample_shape(l->x);
  if (train::shape_elements(spec.shape) != train::shape_elements(have)) {
    throw HostError("data: shape " + train::shape_str(spec.shape) + " has " + std::to_string(train::shape_elements(spec.shape)) +
                    " elements per sample, the samples have " + std::to_string(train::shape_elements(have)) + " " +
                    train::shape_str(have));
  }
  l->x.reshape(train::batch_shape(l->x.dim(0), spec.shape));
}

void normalize(const DataSpec& spec, Loaded* l) {
  const float scale = spec.scale.value_or(l->default_scale);
  const float offset = spec.offset.value_or(0.0f);
  if (scale == 1.0f && offset == 0.0f) return;
  for (float& v : l->x.vec()) v = v * scale + offset;
}

// The samples `idx` of `l` (moved out of `l` when idx is all of them in order).
Dataset take(Loaded& l, const std::vector<int>& idx) {
  Dataset d;
  if (static_cast<int>(idx.size()) == l.x.dim(0) && (idx.empty() || idx.back() == l.x.dim(0) - 1)) {
    d.x = std::move(l.x);
    d.y = std::move(l.y);
    return d;
  }
  const train::Shape xs = train::sample_shape(l.x), ys = train::sample_shape(l.y);
  const int n = static_cast<int>(idx.size());
  d.x = train::Tensor(train::batch_shape(n, xs));
  d.y = train::Tensor(train::batch_shape(n, ys));
  const size_t px = train::shape_elements(xs), py = train::shape_elements(ys);
  for (size_t i = 0; i < idx.size(); ++i) {
    const size_t s = static_cast<size_t>(idx[i]);
    std::copy(l.x.data() + s * px, l.x.data() + (s + 1) * px, d.x.data() + i * px);
    std::copy(l.y.data() + s * py, l.y.data() + (s + 1) * py, d.y.data() + i * py);
  }
  return d;
}

// Splits `pool` (sample indices) into a random `count` of them and the rest, both in file order.
void carve(const std::vector<int>& pool, size_t count, train::Rng rng, std::vector<int>* part, std::vector<int>* rest) {
  std::vector<int> perm = rng.permutation(static_cast<int>(pool.size()));
  std::vector<int> a, b;
  for (size_t i = 0; i < perm.size(); ++i) (i < count ? a : b).push_back(pool[static_cast<size_t>(perm[i])]);
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  *part = std::move(a);
  *rest = std::move(b);
}

size_t fraction_of(double f, size_t n) { return static_cast<size_t>(std::llround(f * static_cast<double>(n))); }

std::vector<int> iota(int n) {
  std::vector<int> v(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) v[static_cast<size_t>(i)] = i;
  return v;
}

void limit_to(const DataSpec& spec, uint64_t stream, std::vector<int>* idx) {
  if (spec.limit <= 0 || idx->size() <= static_cast<size_t>(spec.limit)) return;
  std::vector<int> rest;
  carve(*idx, static_cast<size_t>(spec.limit), train::Rng(spec.seed, stream), idx, &rest);
}

// Standardizes every element position with the training split's mean and standard deviation.
void standardize(Split* s) {
  const size_t per = train::shape_elements(train::sample_shape(s->train.x));
  const size_t n = static_cast<size_t>(s->train.samples());
  std::vector<double> mean(per, 0.0), var(per, 0.0);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < per; ++j) mean[j] += s->train.x.at(i * per + j);
  }
  for (double& m : mean) m /= static_cast<double>(n);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < per; ++j) var[j] += (s->train.x.at(i * per + j) - mean[j]) * (s->train.x.at(i * per + j) - mean[j]);
  }
  for (Dataset* d : {&s->train, &s->validation, &s->test}) {
    for (size_t i = 0; i < d->x.size(); ++i) {
      const size_t j = i % per;
      const double sd = std::sqrt(var[j] / static_cast<double>(n));
      d->x.at(i) = static_cast<float>((d->x.at(i) - mean[j]) / (sd > 0.0 ? sd : 1.0));
    }
  }
}

Split make_split(const DataSpec& spec, Loaded& train, Loaded& test, bool has_test) {
  std::vector<int> pool = iota(train.x.dim(0)), test_idx, val_idx, train_idx;
  if (!has_test) {
    carve(iota(train.x.dim(0)), fraction_of(spec.test_fraction, pool.size()), train::Rng(spec.seed, kStreamTest), &test_idx,
          &pool);
  } else {
    test_idx = iota(test.x.dim(0));
  }
  limit_to(spec, kStreamLimit, &pool);
  limit_to(spec, kStreamTestLimit, &test_idx);
  carve(pool, fraction_of(spec.validation, pool.size()), train::Rng(spec.seed, kStreamValidation), &val_idx, &train_idx);
  if (train_idx.empty()) {
    throw HostError("data: no training samples left (" + std::to_string(train.x.dim(0)) + " samples, test_fraction " +
                    fraction_text(spec.test_fraction) + ", validation " + fraction_text(spec.validation) + ")");
  }
  Split s;  // the training samples last: they may be moved out of `train`
  s.validation = take(train, val_idx);
  s.test = take(has_test ? test : train, test_idx);
  s.train = take(train, train_idx);
  return s;
}

}  // namespace

const char* format_name(Format f) {
  for (const FormatName& n : kFormats) {
    if (n.format == f) return n.name;
  }
  return "?";
}

Format parse_format(const std::string& name) {
  const std::string n = name == "generator:sine" ? "sine" : name;
  std::string all;
  for (const FormatName& f : kFormats) {
    if (n == f.name) return f.format;
    all += (all.empty() ? "" : ", ") + std::string(f.name);
  }
  throw HostError("data: unknown format '" + name + "' (known: " + all + ", generator:sine)");
}

Loaded generate_sine(const DataSpec& spec) {
  if (spec.samples <= 0) throw HostError("data: the sine generator needs samples > 0, got " + std::to_string(spec.samples));
  if (!(spec.noise >= 0.0f)) throw HostError("data: noise must be >= 0, got " + fraction_text(spec.noise));
  Loaded out;
  out.classification = false;
  out.x = train::Tensor({spec.samples, 1});
  out.y = train::Tensor({spec.samples, 1});
  train::Rng rng(spec.seed, kStreamSine);
  const float two_pi = static_cast<float>(2.0 * M_PI);
  for (float& x : out.x.vec()) x = rng.uniform(0.0f, two_pi);
  for (size_t i = 0; i < out.y.size(); ++i) out.y.at(i) = static_cast<float>(std::sin(static_cast<double>(out.x.at(i))));
  if (spec.noise > 0.0f) {
    for (float& y : out.y.vec()) y += spec.noise * rng.normal();
  }
  out.where = [](int i) { return "sine sample " + std::to_string(i); };
  return out;
}

Split load(const DataSpec& spec) {
  check_spec(spec);
  Loaded train, test;
  bool has_test = false;
  read_sources(spec, &train, &test, &has_test);
  if (spec.task == Task::kRegression) train.classification = test.classification = false;
  if (train.x.dim(0) == 0) throw HostError("data: the training source has no samples");
  int num_classes = 0;
  std::vector<std::string> names;
  if (train.classification) {
    check_labels(spec, &train, has_test ? &test : nullptr, &num_classes, &names);
  } else {
    for (Loaded* l : {&train, &test}) {
      if (l->y.rank() == 1) l->y.reshape({l->y.dim(0), 1});
    }
  }
  apply_shape(spec, &train);
  normalize(spec, &train);
  if (has_test) {
    apply_shape(spec, &test);
    test.default_scale = train.default_scale;
    normalize(spec, &test);
  }
  Split s = make_split(spec, train, test, has_test);
  if (spec.standardize) standardize(&s);
  for (Dataset* d : {&s.train, &s.validation, &s.test}) {
    d->num_classes = num_classes;
    d->class_names = names;
  }
  return s;
}

}  // namespace mote::data
