// Trained models on the device: `mote train --quantize` makes an int8 model, `mote bench --target`
// exports it, builds the firmware, runs it under QEMU and compares its output bytes with the host
// run. Covers a dense regressor (sine) on Cortex-M4F and RV32, and, when Debian's
// dataset-fashion-mnist is installed, a small CNN (conv, batch norm folded, max pool, dense,
// softmax) trained briefly on Fashion-MNIST.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/cli_runner.h"

namespace {

namespace fs = std::filesystem;
using mote::testing::CliResult;
using mote::testing::run_mote;

bool have_tool(const std::string& tool) { return std::system(("command -v " + tool + " >/dev/null 2>&1").c_str()) == 0; }

std::string work_dir(const std::string& name) {
  const std::string d = ::testing::TempDir() + "train_fw_" + std::to_string(::getpid()) + "_" + name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// Trains `spec` with --quantize; returns the int8 model's path.
std::string train_int8(const std::string& name, const std::string& spec) {
  const std::string d = work_dir(name);
  std::ofstream(d + "/spec.yaml") << spec;
  const CliResult r = run_mote({"train", d + "/spec.yaml", "-o", d + "/out", "--quantize", "--threads", "2"});
  EXPECT_EQ(r.status, 0) << r.err;
  return d + "/out/model_int8.tflite";
}

// `mote bench MODEL --target T --json`: the firmware's output equals the host's.
void expect_firmware_matches_host(const std::string& model, const std::string& target) {
  const CliResult r = run_mote({"bench", model, "--target", target, "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j.at("output_matches_host").get<bool>()) << target << ": " << r.out;
  EXPECT_GT(j.at("instructions_per_inference").get<long long>(), 0) << r.out;
  ASSERT_FALSE(j.at("outputs").empty());
  EXPECT_EQ(j["outputs"][0]["target"], j["outputs"][0]["host"]);
}

const char* kSineSpec = R"(name: fw_sine
input: [1]
layers:
  - {type: dense, units: 16, activation: relu}
  - {type: dense, units: 16, activation: relu}
  - {type: dense, units: 1}
training: {epochs: 5, batch_size: 16, lr: 0.01}
data: {format: sine, samples: 400, validation: 0.2, test_fraction: 0.25}
)";

const char* kFashionSpec = R"(name: fw_fashion
input: [28, 28, 1]
layers:
  - {type: conv2d, filters: 8, kernel: 3, padding: same}
  - batch_norm
  - relu
  - {type: max_pool2d, pool: 2}
  - {type: conv2d, filters: 8, kernel: 3, strides: 2}
  - relu
  - flatten
  - {type: dense, units: 10}
  - softmax
training: {loss: cross_entropy, epochs: 1, batch_size: 32, lr: 0.002, calibration_samples: 64}
data:
  format: idx
  train: /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
  train_labels: /usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz
  test: /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz
  test_labels: /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz
  limit: 600
  validation: 0.1
)";

std::string missing_tools() {
  for (const char* t : {"arm-none-eabi-gcc", "qemu-system-arm", "riscv64-unknown-elf-gcc", "qemu-system-riscv32"})
    if (!have_tool(t))
      return std::string(t) + " not installed (Debian: gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm "
                              "gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf qemu-system-misc)";
  return {};
}

TEST(TrainedFirmware, SineRegressorOnCortexM4AndRiscv32) {
  const std::string why = missing_tools();
  if (!why.empty()) GTEST_SKIP() << why;
  const std::string model = train_int8("sine", kSineSpec);
  ASSERT_TRUE(fs::exists(model));
  expect_firmware_matches_host(model, "cortex-m4");
  expect_firmware_matches_host(model, "riscv32");
}

TEST(TrainedFirmware, FashionCnnOnCortexM4AndRiscv32) {
  const std::string why = missing_tools();
  if (!why.empty()) GTEST_SKIP() << why;
  if (!fs::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "Fashion-MNIST not installed (Debian: dataset-fashion-mnist)";
  const std::string model = train_int8("fashion", kFashionSpec);
  ASSERT_TRUE(fs::exists(model));
  expect_firmware_matches_host(model, "cortex-m4");
  expect_firmware_matches_host(model, "riscv32");
}

}  // namespace
