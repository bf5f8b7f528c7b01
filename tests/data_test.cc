// Dataset readers (host/data): every format from small files written here, the error messages,
// the splits, normalization and augmentation; Fashion-MNIST from Debian's package when installed.
#include <gtest/gtest.h>
#include <png.h>
#include <unistd.h>
#include <zlib.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>

#include "host/data/dataset.h"
#include "host/error.h"
#include "host/npy.h"

namespace {

namespace fs = std::filesystem;
using mote::data::DataSpec;
using mote::data::Format;
using mote::data::Split;
using mote::train::Rng;
using mote::train::Shape;
using mote::train::Tensor;
using Bytes = std::vector<uint8_t>;

class DataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(::testing::TempDir()) / ("data_test_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string write(const std::string& name, const Bytes& b) const {
    fs::path p = dir_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    return p.string();
  }
  std::string write_text(const std::string& name, const std::string& s) const { return write(name, Bytes(s.begin(), s.end())); }
  std::string write_gz(const std::string& name, const Bytes& b) const {
    gzFile f = gzopen(path(name).c_str(), "wb");
    EXPECT_NE(f, nullptr);
    EXPECT_EQ(gzwrite(f, b.data(), static_cast<unsigned>(b.size())), static_cast<int>(b.size()));
    gzclose(f);
    return path(name);
  }

  fs::path dir_;
};

// The HostError message of fn(), or "" if it did not throw.
std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const mote::host::HostError& e) {
    return e.what();
  }
  return "";
}

#define EXPECT_ERROR(stmt, text)                                   \
  do {                                                             \
    std::string msg_ = error_of([&] { stmt; });                    \
    EXPECT_NE(msg_.find(text), std::string::npos) << "message: '" << msg_ << "'"; \
  } while (0)

std::vector<float> vals(const Tensor& t) { return t.vec(); }

// A spec reading `train` (and `labels`) with no validation or test split: every sample in train.
DataSpec whole(Format format, const std::string& train, const std::string& labels = "") {
  DataSpec s;
  s.format = format;
  s.train = train;
  s.train_labels = labels;
  s.validation = 0.0;
  s.test_fraction = 0.0;
  return s;
}

// ---- IDX -----------------------------------------------------------------------------------------

Bytes idx_bytes(int type, const std::vector<int>& dims, const Bytes& data) {
  Bytes b{0, 0, static_cast<uint8_t>(type), static_cast<uint8_t>(dims.size())};
  for (int d : dims) {
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(d >> s));
  }
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

const Bytes kPixels{0, 51, 102, 255, 10, 20, 30, 40, 255, 0, 255, 0};  // 3 images of 2x2
const Bytes kLabels{0, 2, 1};

DataSpec idx_spec(const std::string& images, const std::string& labels) { return whole(Format::kIdx, images, labels); }

TEST_F(DataTest, IdxRawImagesScaledBy255) {
  DataSpec s = idx_spec(write("img.idx", idx_bytes(8, {3, 2, 2}, kPixels)), write("lab.idx", idx_bytes(8, {3}, kLabels)));
  Split sp = mote::data::load(s);
  EXPECT_EQ(sp.train.x.shape(), (Shape{3, 2, 2, 1}));
  for (size_t i = 0; i < kPixels.size(); ++i) EXPECT_FLOAT_EQ(sp.train.x.at(i), kPixels[i] * (1.0f / 255.0f)) << i;
  EXPECT_EQ(vals(sp.train.y), (std::vector<float>{0, 2, 1}));
  EXPECT_EQ(sp.train.num_classes, 3);
  EXPECT_EQ(sp.train.class_names, (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_EQ(sp.validation.samples(), 0);
  EXPECT_EQ(sp.test.samples(), 0);
}

TEST_F(DataTest, IdxGzipWithTestFilesAndCustomNormalization) {
  DataSpec s = idx_spec(write_gz("tr-img.gz", idx_bytes(8, {3, 2, 2}, kPixels)), write_gz("tr-lab.gz", idx_bytes(8, {3}, kLabels)));
  s.test = write_gz("te-img.gz", idx_bytes(8, {1, 2, 2}, {1, 2, 3, 4}));
  s.test_labels = write_gz("te-lab.gz", idx_bytes(8, {1}, {2}));
  s.scale = 0.5f;
  s.offset = -1.0f;
  Split sp = mote::data::load(s);
  EXPECT_EQ(sp.train.samples(), 3);
  EXPECT_FLOAT_EQ(sp.train.x.at(3), 255 * 0.5f - 1.0f);
  EXPECT_EQ(sp.test.x.shape(), (Shape{1, 2, 2, 1}));
  EXPECT_EQ(vals(sp.test.x), (std::vector<float>{-0.5f, 0.0f, 0.5f, 1.0f}));
  EXPECT_EQ(vals(sp.test.y), (std::vector<float>{2}));
  EXPECT_EQ(sp.test.num_classes, 3);
}

TEST_F(DataTest, IdxOtherElementTypes) {
  // int16 big-endian images are not scaled by default.
  DataSpec s = idx_spec(write("i16", idx_bytes(0x0B, {1, 3}, {0xff, 0xfe, 0x01, 0x00, 0x00, 0x07})),
                        write("l", idx_bytes(8, {1}, {0})));
  Split sp = mote::data::load(s);
  EXPECT_EQ(sp.train.x.shape(), (Shape{1, 3}));
  EXPECT_EQ(vals(sp.train.x), (std::vector<float>{-2, 256, 7}));
}

TEST_F(DataTest, IdxErrors) {
  const std::string labels = write("lab", idx_bytes(8, {3}, kLabels));
  EXPECT_ERROR(mote::data::load(idx_spec(path("nope.gz"), labels)), "train '" + path("nope.gz") + "' does not exist");
  Bytes bad = idx_bytes(8, {3, 2, 2}, kPixels);
  bad[0] = 0x1f;
  EXPECT_ERROR(mote::data::load(idx_spec(write("bad", bad), labels)), "magic starts with bytes 31, 0; expected 0, 0");
  Bytes shortb = idx_bytes(8, {3, 2, 2}, Bytes(kPixels.begin(), kPixels.begin() + 7));
  EXPECT_ERROR(mote::data::load(idx_spec(write("short", shortb), labels)),
               "truncated: the header says 3 x 2 x 2 elements (12 bytes of data), the file has 7");
  Bytes longb = idx_bytes(8, {3, 2, 2}, kPixels);
  longb.push_back(9);
  EXPECT_ERROR(mote::data::load(idx_spec(write("long", longb), labels)), "1 bytes after the 3 x 2 x 2 elements");
  EXPECT_ERROR(mote::data::load(idx_spec(write("type", idx_bytes(0x0A, {3, 2, 2}, kPixels)), labels)),
               "unknown IDX element type 0x0A");
  const std::string images = write("img", idx_bytes(8, {3, 2, 2}, kPixels));
  EXPECT_ERROR(mote::data::load(idx_spec(images, write("l2", idx_bytes(8, {2}, {0, 1})))), "2 labels for 3 images");
  EXPECT_ERROR(mote::data::load(idx_spec(images, images)), "labels file has 1 dimension [N], this one has 3");
  DataSpec s = idx_spec(images, labels);
  s.num_classes = 2;
  EXPECT_ERROR(mote::data::load(s), labels + ": record 1: label 2 is out of range; labels must be integers in [0, 2)");
  // A gzip stream cut short.
  Bytes gz;
  {
    std::string p = write_gz("full.gz", idx_bytes(8, {3, 2, 2}, kPixels));
    std::ifstream in(p, std::ios::binary);
    gz.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  gz.resize(gz.size() - 6);
  EXPECT_ERROR(mote::data::load(idx_spec(write("cut.gz", gz), labels)), "corrupt or truncated gzip data");
}

// ---- CSV -----------------------------------------------------------------------------------------

DataSpec csv_spec(const std::string& file) { return whole(Format::kCsv, file); }

TEST_F(DataTest, CsvHeaderAndStringLabels) {
  DataSpec s = csv_spec(write_text("a.csv", "a,b,species\n1,2,dog\r\n\n3,4.5,cat\n-5e-1, 6 ,\"dog\"\n"));
  s.label_column = "species";
  Split sp = mote::data::load(s);
  EXPECT_EQ(sp.train.x.shape(), (Shape{3, 2}));
  EXPECT_EQ(vals(sp.train.x), (std::vector<float>{1, 2, 3, 4.5f, -0.5f, 6}));
  EXPECT_EQ(sp.train.class_names, (std::vector<std::string>{"cat", "dog"}));
  EXPECT_EQ(vals(sp.train.y), (std::vector<float>{1, 0, 1}));
  EXPECT_EQ(sp.train.num_classes, 2);
}

TEST_F(DataTest, CsvNoHeaderLabelByIndexAndDefaults) {
  DataSpec s = csv_spec(write_text("b.csv", "2,0.5,7\n1,1.5,8\n0,2.5,9\n"));
  s.label_column = "0";
  Split sp = mote::data::load(s);
  EXPECT_EQ(vals(sp.train.x), (std::vector<float>{0.5f, 7, 1.5f, 8, 2.5f, 9}));
  EXPECT_EQ(vals(sp.train.y), (std::vector<float>{2, 1, 0}));
  // No label column given: the last column is the label; semicolons; an explicit header.
  DataSpec t = csv_spec(write_text("c.csv", "x;y;label\n1;2;1\n3;4;0\n"));
  t.delimiter = ';';
  t.header = true;
  sp = mote::data::load(t);
  EXPECT_EQ(vals(sp.train.x), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(vals(sp.train.y), (std::vector<float>{1, 0}));
}

TEST_F(DataTest, CsvRegressionTargetsAndFeatureColumns) {
  DataSpec s = csv_spec(write_text("r.csv", "u,v,w,t1,t2\n1,2,3,0.25,10\n4,5,6,0.5,20\n"));
  s.target_columns = {"t2", "3"};
  s.feature_columns = {"w", "u"};
  Split sp = mote::data::load(s);
  EXPECT_EQ(sp.train.num_classes, 0);
  EXPECT_TRUE(sp.train.class_names.empty());
  EXPECT_EQ(vals(sp.train.x), (std::vector<float>{3, 1, 6, 4}));
  EXPECT_EQ(sp.train.y.shape(), (Shape{2, 2}));
  EXPECT_EQ(vals(sp.train.y), (std::vector<float>{10, 0.25f, 20, 0.5f}));
}

TEST_F(DataTest, CsvTestFileSharesTheClassMapping) {
  DataSpec s = csv_spec(write_text("tr.csv", "f,c\n1,b\n2,b\n"));
  s.test = write_text("te.csv", "f,c\n3,a\n");
  Split sp = mote::data::load(s);
  EXPECT_EQ(sp.train.class_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(vals(sp.train.y), (std::vector<float>{1, 1}));
  EXPECT_EQ(vals(sp.test.y), (std::vector<float>{0}));
  EXPECT_EQ(vals(sp.test.x), (std::vector<float>{3}));
}

TEST_F(DataTest, CsvErrors) {
  const std::string f = write_text("e.csv", "a,b,label\n1,2,0\n3,x,1\n");
  EXPECT_ERROR(mote::data::load(csv_spec(f)), f + ":3: column 'b' (index 1): 'x' is not a number");
  const std::string g = write_text("g.csv", "a,b,label\n1,2,0\n3,4\n");
  EXPECT_ERROR(mote::data::load(csv_spec(g)), g + ":3: 2 fields, expected 3 (as in the header)");
  DataSpec s = csv_spec(write_text("h.csv", "a,b,label\n1,2,0\n3,4,5\n"));
  s.label_column = "klass";
  EXPECT_ERROR(mote::data::load(s), "label column 'klass' not found: the file has 3 columns (0-based indices 0..2); names: a, b, label");
  s.label_column = "label";
  s.num_classes = 3;
  EXPECT_ERROR(mote::data::load(s), "h.csv:3: label 5 is out of range; labels must be integers in [0, 3)");
  DataSpec t = csv_spec(write_text("n.csv", "a,label\n1,-1\n"));
  EXPECT_ERROR(mote::data::load(t), "n.csv:2: label -1 is out of range; labels must be integers >= 0");
  DataSpec u = csv_spec(write_text("q.csv", "a,label\n1,cat\n2,dog\n"));
  u.class_names = {"cat", "cow"};
  EXPECT_ERROR(mote::data::load(u), "q.csv:3: label 'dog' is not one of the class names [cat, cow]");
  EXPECT_ERROR(mote::data::load(csv_spec(write_text("empty.csv", "\n\n"))), "empty CSV file");
  EXPECT_ERROR(mote::data::load(csv_spec(write_text("u.csv", "a,\"b\n"))), "u.csv:1: unterminated quoted field");
}

// ---- .npy ------------------------------------------------------------------------------------------

template <typename T>
std::string write_npy_as(mote::host::NpyDtype dtype, const std::string& p, const std::vector<int64_t>& shape,
                         const std::vector<T>& v) {
  mote::host::NpyArray a;
  a.dtype = dtype;
  a.shape = shape;
  a.data.resize(v.size() * sizeof(T));
  std::memcpy(a.data.data(), v.data(), a.data.size());
  mote::host::write_npy(p, a);
  return p;
}
std::string write_npy_f32(const std::string& p, const std::vector<int64_t>& shape, const std::vector<float>& v) {
  return write_npy_as(mote::host::NpyDtype::kFloat32, p, shape, v);
}
std::string write_npy_i32(const std::string& p, const std::vector<int64_t>& shape, const std::vector<int32_t>& v) {
  return write_npy_as(mote::host::NpyDtype::kInt32, p, shape, v);
}

DataSpec npy_spec(const std::string& x, const std::string& y) { return whole(Format::kNpy, x, y); }

TEST_F(DataTest, NpyClassificationAndRegression) {
  const std::string x = write_npy_f32(path("x.npy"), {3, 2, 1}, {1, 2, 3, 4, 5, 6});
  Split sp = mote::data::load(npy_spec(x, write_npy_i32(path("y.npy"), {3}, {1, 0, 1})));
  EXPECT_EQ(sp.train.x.shape(), (Shape{3, 2, 1}));
  EXPECT_EQ(vals(sp.train.x), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(vals(sp.train.y), (std::vector<float>{1, 0, 1}));
  EXPECT_EQ(sp.train.num_classes, 2);
  sp = mote::data::load(npy_spec(x, write_npy_f32(path("yf.npy"), {3}, {0.5f, -1, 2})));
  EXPECT_EQ(sp.train.num_classes, 0);
  EXPECT_EQ(sp.train.y.shape(), (Shape{3, 1}));
  EXPECT_EQ(vals(sp.train.y), (std::vector<float>{0.5f, -1, 2}));
  EXPECT_ERROR(mote::data::load(npy_spec(x, write_npy_i32(path("y2.npy"), {2}, {0, 1}))),
               "y2.npy: 2 labels/targets for 3 samples");
  DataSpec s = npy_spec(x, write_npy_i32(path("y3.npy"), {3}, {0, 4, 1}));
  s.class_names = {"a", "b", "c"};
  EXPECT_ERROR(mote::data::load(s), "y3.npy: sample 1: label 4 is out of range; labels must be integers in [0, 3)");
}

// ---- WAV folders ---------------------------------------------------------------------------------

Bytes wav_bytes(const std::vector<int16_t>& samples, int channels = 1, int bits = 16, int rate = 16000) {
  auto u16 = [](Bytes& b, int v) { b.push_back(static_cast<uint8_t>(v)); b.push_back(static_cast<uint8_t>(v >> 8)); };
  auto u32 = [&](Bytes& b, uint32_t v) { u16(b, static_cast<int>(v & 0xffff)); u16(b, static_cast<int>(v >> 16)); };
  Bytes b{'R', 'I', 'F', 'F'};
  u32(b, static_cast<uint32_t>(36 + samples.size() * 2));
  for (char ch : std::string("WAVEfmt ")) b.push_back(static_cast<uint8_t>(ch));
  u32(b, 16);
  u16(b, 1);
  u16(b, channels);
  u32(b, static_cast<uint32_t>(rate));
  u32(b, static_cast<uint32_t>(rate * channels * bits / 8));
  u16(b, channels * bits / 8);
  u16(b, bits);
  for (char ch : std::string("LIST")) b.push_back(static_cast<uint8_t>(ch));  // an odd chunk to skip
  u32(b, 3);
  b.insert(b.end(), {'a', 'b', 'c', 0});
  for (char ch : std::string("data")) b.push_back(static_cast<uint8_t>(ch));
  u32(b, static_cast<uint32_t>(samples.size() * 2));
  for (int16_t s : samples) u16(b, s);
  return b;
}

TEST_F(DataTest, WavFolderPadsTrimsAndScales) {
  write("w/yes/1.wav", wav_bytes({16384, -32768, 1}));
  write("w/no/b.wav", wav_bytes({1, 2, 3, 4, 5, 6}));
  write("w/no/a.WAV", wav_bytes({-16384}));
  write("w/no/readme.txt", {'x'});
  DataSpec s = whole(Format::kWavFolder, path("w"));
  s.clip_samples = 4;
  Split sp = mote::data::load(s);
  EXPECT_EQ(sp.train.class_names, (std::vector<std::string>{"no", "yes"}));
  EXPECT_EQ(sp.train.x.shape(), (Shape{3, 4, 1}));
  const float q = 1.0f / 32768;
  EXPECT_EQ(vals(sp.train.x), (std::vector<float>{-0.5f, 0, 0, 0, q, 2 * q, 3 * q, 4 * q, 0.5f, -1.0f, q, 0}));
  EXPECT_EQ(vals(sp.train.y), (std::vector<float>{0, 0, 1}));
}

TEST_F(DataTest, WavErrors) {
  DataSpec s;
  s.format = Format::kWavFolder;
  s.train = path("w");
  s.clip_samples = 4;
  write("w/a/stereo.wav", wav_bytes({1, 2}, 2));
  EXPECT_ERROR(mote::data::load(s), "stereo.wav: PCM, 16-bit, 2 channel(s); only PCM 16-bit mono WAV files are supported");
  fs::remove(path("w/a/stereo.wav"));
  write("w/a/eight.wav", wav_bytes({1, 2}, 1, 8));
  EXPECT_ERROR(mote::data::load(s), "eight.wav: PCM, 8-bit, 1 channel(s)");
  fs::remove(path("w/a/eight.wav"));
  write("w/a/ok.wav", wav_bytes({1, 2}));
  fs::create_directories(path("w/b"));
  EXPECT_ERROR(mote::data::load(s), path("w/b") + ": empty class folder (no .wav files)");
  write("w/b/ok.wav", wav_bytes({1, 2}));
  s.sample_rate = 8000;
  EXPECT_ERROR(mote::data::load(s), "ok.wav: sample rate 16000 Hz, the spec asks for 8000");
  s.sample_rate = 0;
  s.features = "mfcc";
  EXPECT_ERROR(mote::data::load(s), "features 'mfcc' are not available");
  s.features = "raw";
  Bytes cut = wav_bytes({1, 2, 3});
  cut.resize(cut.size() - 2);
  write("w/b/cut.wav", cut);
  EXPECT_ERROR(mote::data::load(s), "cut.wav: truncated: the data chunk declares 6 bytes, the file holds 4");
  write("w/b/cut.wav", {'R', 'I', 'F', 'F'});
  EXPECT_ERROR(mote::data::load(s), "cut.wav: not a WAV file");
  s.train = path("nowhere");
  EXPECT_ERROR(mote::data::load(s), "train '" + path("nowhere") + "' does not exist");
  write("flat/x.wav", wav_bytes({1}));
  s.train = path("flat");
  EXPECT_ERROR(mote::data::load(s), path("flat") + ": no class folders");
}

// ---- Image folders -------------------------------------------------------------------------------

Bytes pnm(const std::string& header, const Bytes& px) {
  Bytes b(header.begin(), header.end());
  b.insert(b.end(), px.begin(), px.end());
  return b;
}

void write_png(const std::string& p, int w, int h, bool color, const Bytes& px) {
  png_image img;
  std::memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  img.width = static_cast<png_uint_32>(w);
  img.height = static_cast<png_uint_32>(h);
  img.format = color ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  fs::create_directories(fs::path(p).parent_path());
  ASSERT_TRUE(png_image_write_to_file(&img, p.c_str(), 0, px.data(), 0, nullptr)) << img.message;
}

DataSpec image_spec(const std::string& root, int channels) {
  DataSpec s = whole(Format::kImageFolder, root);
  s.channels = channels;
  s.scale = 1.0f;  // raw 0..255 values, to compare exactly
  return s;
}

TEST_F(DataTest, ImageFolderPgmPpmPngGrayscale) {
  write("im/a/1.pgm", pnm("P5\n# a comment\n3 2\n255\n", {0, 10, 20, 30, 40, 255}));
  write("im/a/2.pgm", pnm("P5 3 2 15 ", {0, 15, 1, 2, 3, 4}));  // maxval 15: rescaled to 0..255
  write("im/b/1.ppm", pnm("P6\n3 2\n255\n", {100, 50, 10, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 255, 255, 255}));
  write_png(path("im/b/2.png"), 3, 2, false, {9, 8, 7, 6, 5, 4});
  Split sp = mote::data::load(image_spec(path("im"), 1));
  EXPECT_EQ(sp.train.x.shape(), (Shape{4, 2, 3, 1}));
  EXPECT_EQ(vals(sp.train.y), (std::vector<float>{0, 0, 1, 1}));
  const float* x = sp.train.x.data();
  EXPECT_EQ(std::vector<float>(x, x + 6), (std::vector<float>{0, 10, 20, 30, 40, 255}));
  EXPECT_EQ(std::vector<float>(x + 6, x + 12), (std::vector<float>{0, 255, 17, 34, 51, 68}));
  EXPECT_FLOAT_EQ(x[12], 0.299f * 100 + 0.587f * 50 + 0.114f * 10);
  EXPECT_FLOAT_EQ(x[14], 0.299f * 1 + 0.587f * 2 + 0.114f * 3);
  EXPECT_FLOAT_EQ(x[17], 0.299f * 255 + 0.587f * 255 + 0.114f * 255);
  EXPECT_EQ(std::vector<float>(x + 18, x + 24), (std::vector<float>{9, 8, 7, 6, 5, 4}));
  // Default normalization: /255.
  DataSpec d = image_spec(path("im"), 1);
  d.scale.reset();
  sp = mote::data::load(d);
  EXPECT_FLOAT_EQ(sp.train.x.at(5), 1.0f);
  EXPECT_FLOAT_EQ(sp.train.x.at(1), 10.0f / 255.0f);
}

TEST_F(DataTest, ImageFolderRgb) {
  write_png(path("im/x/1.png"), 2, 1, true, {1, 2, 3, 4, 5, 6});
  write("im/y/1.pgm", pnm("P5\n2 1\n255\n", {7, 8}));
  Split sp = mote::data::load(image_spec(path("im"), 0));  // channels from the first image: RGB
  EXPECT_EQ(sp.train.x.shape(), (Shape{2, 1, 2, 3}));
  EXPECT_EQ(vals(sp.train.x), (std::vector<float>{1, 2, 3, 4, 5, 6, 7, 7, 7, 8, 8, 8}));
}

TEST_F(DataTest, ImageFolderErrors) {
  write("im/a/1.pgm", pnm("P5\n3 2\n255\n", {0, 1, 2, 3, 4, 5}));
  write("im/b/2.pgm", pnm("P5\n2 2\n255\n", {0, 1, 2, 3}));
  EXPECT_ERROR(mote::data::load(image_spec(path("im"), 1)),
               path("im/b/2.pgm") + " is 2x2 (HxW) but " + path("im/a/1.pgm") + " is 2x3; all images must have the same size");
  write("im/b/2.pgm", pnm("P5\n3 2\n255\n", {0, 1, 2}));
  EXPECT_ERROR(mote::data::load(image_spec(path("im"), 1)), "2.pgm: truncated: 3x2 needs 6 bytes of pixels, the file has 3");
  write("im/b/2.pgm", pnm("P2\n3 2\n255\n", {}));
  EXPECT_ERROR(mote::data::load(image_spec(path("im"), 1)), "only binary PGM (P5) and PPM (P6) are supported");
  write("im/b/2.pgm", pnm("P5\n3 2\n0\n", {}));
  EXPECT_ERROR(mote::data::load(image_spec(path("im"), 1)), "bad PNM maxval '0'");
  fs::remove(path("im/b/2.pgm"));
  EXPECT_ERROR(mote::data::load(image_spec(path("im"), 1)), "empty class folder (no .pgm, .ppm, .png files)");
  write("im/b/2.pgm", pnm("P5\n3 2\n255\n", {0, 1, 2, 3, 4, 5}));
  EXPECT_ERROR(mote::data::load(image_spec(path("im"), 2)), "channels must be 1 (grayscale) or 3 (RGB), got 2");
  DataSpec s = image_spec(path("im"), 1);
  s.class_names = {"a", "c"};
  EXPECT_ERROR(mote::data::load(s), "class folder 'b' is not one of the classes [a, c]");
  // A test root whose images differ in size from the training images.
  write("te/a/1.pgm", pnm("P5\n1 1\n255\n", {0}));
  s = image_spec(path("im"), 1);
  s.test = path("te");
  EXPECT_ERROR(mote::data::load(s), "1.pgm is 1x1 (HxW) but the training images are 2x3");
}

// ---- Sine generator and splits ---------------------------------------------------------------------

TEST_F(DataTest, SineGeneratorSplitsAndDeterminism) {
  DataSpec s;
  s.format = mote::data::parse_format("generator:sine");
  s.samples = 100;
  s.test_fraction = 0.2;
  s.validation = 0.1;
  s.seed = 7;
  Split a = mote::data::load(s);
  EXPECT_EQ(a.test.samples(), 20);
  EXPECT_EQ(a.validation.samples(), 8);
  EXPECT_EQ(a.train.samples(), 72);
  EXPECT_EQ(a.train.num_classes, 0);
  EXPECT_EQ(a.train.x.shape(), (Shape{72, 1}));
  EXPECT_EQ(a.train.y.shape(), (Shape{72, 1}));
  for (const mote::data::Dataset* d : {&a.train, &a.validation, &a.test}) {
    for (size_t i = 0; i < d->x.size(); ++i) {
      ASSERT_GE(d->x.at(i), 0.0f);
      ASSERT_LT(d->x.at(i), 6.2831855f);
      ASSERT_EQ(d->y.at(i), static_cast<float>(std::sin(static_cast<double>(d->x.at(i)))));
    }
  }
  Split b = mote::data::load(s);
  EXPECT_EQ(vals(a.train.x), vals(b.train.x));
  EXPECT_EQ(vals(a.test.x), vals(b.test.x));
  s.seed = 8;
  EXPECT_NE(vals(mote::data::load(s).train.x), vals(a.train.x));
  s.seed = 7;
  s.noise = 0.1f;
  s.samples = 4000;
  Split n = mote::data::load(s);
  double sum = 0, sum2 = 0;
  for (size_t i = 0; i < n.train.y.size(); ++i) {
    const double e = n.train.y.at(i) - std::sin(static_cast<double>(n.train.x.at(i)));
    sum += e;
    sum2 += e * e;
  }
  const double cnt = static_cast<double>(n.train.y.size());
  EXPECT_NEAR(sum / cnt, 0.0, 0.01);
  EXPECT_NEAR(std::sqrt(sum2 / cnt), 0.1, 0.01);
  EXPECT_EQ(mote::data::format_name(Format::kSine), std::string("sine"));
  EXPECT_ERROR(mote::data::parse_format("jpeg"), "unknown format 'jpeg' (known: idx, csv, npy, wav_folder, image_folder, sine, generator:sine)");
}

// x[i] = i: every sample is identifiable after the splits.
DataSpec counting_spec(const std::string& dir, int n) {
  std::vector<float> x(static_cast<size_t>(n));
  std::vector<int32_t> y(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) x[static_cast<size_t>(i)] = static_cast<float>(i), y[static_cast<size_t>(i)] = i % 3;
  return npy_spec(write_npy_f32(dir + "/cx.npy", {n}, x), write_npy_i32(dir + "/cy.npy", {n}, y));
}

TEST_F(DataTest, SplitsAreDisjointSeededAndSized) {
  DataSpec s = counting_spec(dir_.string(), 100);
  s.test_fraction = 0.1;
  s.validation = 0.25;
  s.seed = 3;
  Split a = mote::data::load(s);
  EXPECT_EQ(a.test.samples(), 10);
  EXPECT_EQ(a.validation.samples(), 23);  // round(0.25 * 90)
  EXPECT_EQ(a.train.samples(), 67);
  std::multiset<float> all;
  for (const mote::data::Dataset* d : {&a.train, &a.validation, &a.test}) {
    EXPECT_EQ(d->num_classes, 3);
    for (int i = 0; i < d->samples(); ++i) {
      all.insert(d->x.at(static_cast<size_t>(i)));
      EXPECT_EQ(d->y.at(static_cast<size_t>(i)), static_cast<float>(static_cast<int>(d->x.at(static_cast<size_t>(i))) % 3));
      if (i > 0) {
        EXPECT_LT(d->x.at(static_cast<size_t>(i) - 1), d->x.at(static_cast<size_t>(i)));  // file order kept
      }
    }
  }
  std::multiset<float> expect;
  for (int i = 0; i < 100; ++i) expect.insert(static_cast<float>(i));
  EXPECT_EQ(all, expect);
  Split b = mote::data::load(s);
  EXPECT_EQ(vals(a.train.x), vals(b.train.x));
  EXPECT_EQ(vals(a.validation.x), vals(b.validation.x));
  EXPECT_EQ(vals(a.test.x), vals(b.test.x));
  s.seed = 4;
  Split c = mote::data::load(s);
  EXPECT_NE(vals(a.validation.x), vals(c.validation.x));
  EXPECT_NE(vals(a.test.x), vals(c.test.x));
  // Changing validation does not move the test split.
  s.seed = 3;
  s.validation = 0.5;
  EXPECT_EQ(vals(mote::data::load(s).test.x), vals(a.test.x));
  // limit: at most 20 training samples (validation carved from them).
  s.validation = 0.25;
  s.limit = 20;
  Split l = mote::data::load(s);
  EXPECT_EQ(l.train.samples() + l.validation.samples(), 20);
  EXPECT_EQ(l.validation.samples(), 5);
  EXPECT_EQ(l.test.samples(), 10);
  s.limit = 0;
  s.validation = 1.0;
  EXPECT_ERROR(mote::data::load(s), "validation must be a fraction in [0, 1), got 1");
}

TEST_F(DataTest, ShapeOverrideAndStandardize) {
  const std::string x = write_npy_f32(path("x.npy"), {4, 2}, {1, 10, 3, 10, 5, 10, 7, 10});
  DataSpec s = npy_spec(x, write_npy_i32(path("y.npy"), {4}, {0, 1, 0, 1}));
  s.shape = {1, 2};
  EXPECT_EQ(mote::data::load(s).train.x.shape(), (Shape{4, 1, 2}));
  s.shape = {3};
  EXPECT_ERROR(mote::data::load(s), "shape [3] has 3 elements per sample, the samples have 2 [2]");
  s.shape.clear();
  s.standardize = true;
  Split sp = mote::data::load(s);
  const float sd = std::sqrt(5.0f);  // values 1, 3, 5, 7: mean 4, variance 5
  EXPECT_FLOAT_EQ(sp.train.x.at(0), -3 / sd);
  EXPECT_FLOAT_EQ(sp.train.x.at(6), 3 / sd);
  EXPECT_FLOAT_EQ(sp.train.x.at(1), 0.0f);  // constant column: minus the mean, divided by 1
}

// ---- Augmentation ---------------------------------------------------------------------------------

TEST(DataAugment, ShiftMovesImagesWithZeroFill) {
  DataSpec s;
  s.augment.shift = 2;
  Tensor batch({16, 5, 5, 2});
  for (size_t i = 0; i < batch.size(); ++i) batch.at(i) = static_cast<float>(i % 50 + 1);
  Tensor orig = batch;
  Rng rng(11), replay(11);
  mote::data::augment(s, batch, rng);
  bool moved = false;
  for (int n = 0; n < 16; ++n) {
    const int dy = static_cast<int>(replay.below(5)) - 2, dx = static_cast<int>(replay.below(5)) - 2;
    moved |= dy != 0 || dx != 0;
    for (int y = 0; y < 5; ++y) {
      for (int x = 0; x < 5; ++x) {
        for (int c = 0; c < 2; ++c) {
          const int sy = y - dy, sx = x - dx;
          const float want = (sy < 0 || sy >= 5 || sx < 0 || sx >= 5) ? 0.0f : orig.at(static_cast<size_t>(((n * 5 + sy) * 5 + sx) * 2 + c));
          ASSERT_EQ(batch.at(static_cast<size_t>(((n * 5 + y) * 5 + x) * 2 + c)), want) << n << " " << y << " " << x;
        }
      }
    }
  }
  EXPECT_TRUE(moved);
}

TEST(DataAugment, OneDimensionalShiftScaleAndNoise) {
  DataSpec s;
  s.augment.shift = 1;
  s.augment.scale_min = 0.5f;
  s.augment.scale_max = 2.0f;
  Tensor batch({8, 6, 1});
  for (size_t i = 0; i < batch.size(); ++i) batch.at(i) = static_cast<float>(i % 6 + 1);
  Rng rng(5), replay(5);
  mote::data::augment(s, batch, rng);
  for (int n = 0; n < 8; ++n) {
    const int d = static_cast<int>(replay.below(3)) - 1;
    const float k = replay.uniform(0.5f, 2.0f);
    ASSERT_GE(k, 0.5f);
    ASSERT_LT(k, 2.0f);
    for (int l = 0; l < 6; ++l) {
      const int src = l - d;
      const float want = (src < 0 || src >= 6) ? 0.0f : static_cast<float>(src + 1) * k;
      ASSERT_EQ(batch.at(static_cast<size_t>(n * 6 + l)), want);
    }
  }
  // Noise: mean 0 and the requested standard deviation; deterministic given the Rng.
  DataSpec t;
  t.augment.noise_stddev = 0.25f;
  Tensor a({64, 28, 28, 1}, 1.0f), b = a;
  Rng r1(9), r2(9);
  mote::data::augment(t, a, r1);
  mote::data::augment(t, b, r2);
  EXPECT_EQ(vals(a), vals(b));
  double sum = 0, sum2 = 0;
  for (float v : a.vec()) sum += v - 1.0, sum2 += (v - 1.0) * (v - 1.0);
  const double cnt = static_cast<double>(a.size());
  EXPECT_NEAR(sum / cnt, 0.0, 0.005);
  EXPECT_NEAR(std::sqrt(sum2 / cnt), 0.25, 0.005);
  Rng r3(10);
  Tensor c({64, 28, 28, 1}, 1.0f);
  mote::data::augment(t, c, r3);
  EXPECT_NE(vals(a), vals(c));
}

TEST(DataAugment, DisabledLeavesTheBatchAndBadRangesThrow) {
  DataSpec s;
  Tensor batch({2, 3}, 4.0f);
  Rng rng(1);
  mote::data::augment(s, batch, rng);
  EXPECT_EQ(vals(batch), std::vector<float>(6, 4.0f));
  EXPECT_EQ(rng.next(), Rng(1).next());  // nothing drawn
  s.augment.scale_min = 2.0f;
  s.augment.scale_max = 1.0f;
  EXPECT_ERROR(mote::data::augment(s, batch, rng), "scale range [2.000000, 1.000000] must have 0 < min <= max");
}

// ---- Fashion-MNIST (Debian's dataset-fashion-mnist) ------------------------------------------------

TEST(DataFashionMnist, LoadsTheDebianPackage) {
  const std::string dir = "/usr/share/datasets/fashion-mnist/";
  if (!fs::exists(dir + "train-images-idx3-ubyte.gz")) GTEST_SKIP() << dir << " absent (apt install dataset-fashion-mnist)";
  DataSpec s;
  s.format = Format::kIdx;
  s.train = dir + "train-images-idx3-ubyte.gz";
  s.train_labels = dir + "train-labels-idx1-ubyte.gz";
  s.test = dir + "t10k-images-idx3-ubyte.gz";
  s.test_labels = dir + "t10k-labels-idx1-ubyte.gz";
  s.validation = 0.0;
  Split sp = mote::data::load(s);
  EXPECT_EQ(sp.train.x.shape(), (Shape{60000, 28, 28, 1}));
  EXPECT_EQ(sp.test.x.shape(), (Shape{10000, 28, 28, 1}));
  EXPECT_EQ(sp.train.num_classes, 10);
  // The first label and image, read straight from the files.
  uint8_t raw[16 + 784];
  gzFile f = gzopen(s.train_labels.c_str(), "rb");
  ASSERT_EQ(gzread(f, raw, 9), 9);
  gzclose(f);
  EXPECT_EQ(sp.train.y.at(0), static_cast<float>(raw[8]));
  f = gzopen(s.train.c_str(), "rb");
  ASSERT_EQ(gzread(f, raw, sizeof raw), static_cast<int>(sizeof raw));
  gzclose(f);
  for (int i = 0; i < 784; ++i) ASSERT_EQ(sp.train.x.at(static_cast<size_t>(i)), raw[16 + i] * (1.0f / 255.0f));  // x * scale, scale 1/255
  for (const mote::data::Dataset* d : {&sp.train, &sp.test}) {
    std::vector<int> count(10, 0);
    for (float v : d->y.vec()) {
      ASSERT_TRUE(v >= 0 && v <= 9 && v == std::floor(v)) << v;
      ++count[static_cast<size_t>(v)];
    }
    for (int c : count) EXPECT_EQ(c, d->samples() / 10);  // Fashion-MNIST is balanced
  }
}

}  // namespace
