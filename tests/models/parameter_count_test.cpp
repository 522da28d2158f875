// Parameter and buffer counts of the C++ modules against PyTorch equivalents
// written from the documented architectures (tests/models/pytorch_equivalents.py):
// same names, same shapes, same totals. ResNet-18 and PoseEncoder counts are
// checked in their own tests too (resnet18_encoder_test.cpp, pose_encoder_test.cpp).
#include <functional>
#include <map>
#include <mutex>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "hpe3d/models/discriminator.h"
#include "hpe3d/models/image_decoder.h"
#include "hpe3d/models/pose_decoder.h"
#include "hpe3d/models/pose_encoder.h"
#include "hpe3d/models/pose_regressor.h"
#include "test_util.h"

namespace hpe3d::models {
namespace {

using Shapes = std::map<std::string, std::vector<int64_t>>;  // name -> shape

struct Layout {
  Shapes parameters, buffers;
};

int64_t total(const Shapes& shapes) {
  int64_t n = 0;
  for (auto& [name, shape] : shapes) {
    int64_t k = 1;
    for (int64_t d : shape) k *= d;
    n += k;
  }
  return n;
}

Layout layout_of(torch::nn::Module& m) {
  Layout l;
  for (auto& p : m.named_parameters()) l.parameters[p.key()] = p.value().sizes().vec();
  for (auto& b : m.named_buffers()) l.buffers[b.key()] = b.value().sizes().vec();
  return l;
}

std::string shape_str(const std::vector<int64_t>& s) {
  std::ostringstream os;
  os << c10::IntArrayRef(s);
  return os.str();
}

// Names only on one side, and shapes that differ; "" when equal.
std::string diff(const Shapes& cpp, const Shapes& py) {
  std::string out;
  for (auto& [name, shape] : cpp) {
    auto it = py.find(name);
    if (it == py.end())
      out += " only C++: " + name + " " + shape_str(shape) + ";";
    else if (it->second != shape)
      out += " " + name + ": C++ " + shape_str(shape) + " vs PyTorch " + shape_str(it->second) + ";";
  }
  for (auto& [name, shape] : py)
    if (!cpp.count(name)) out += " only PyTorch: " + name + " " + shape_str(shape) + ";";
  return out;
}

// Spec (pytorch_equivalents.py's KIND:args) -> the C++ module it describes.
using Factory = std::function<std::shared_ptr<torch::nn::Module>()>;

const std::vector<std::pair<std::string, Factory>>& cases() {
  static const std::vector<std::pair<std::string, Factory>> all = [] {
    std::vector<std::pair<std::string, Factory>> v;
    // PoseEncoder is covered by a hand formula already; one spot check here.
    v.emplace_back("pose_encoder:17,2,32,1024,2",
                   [] { return PoseEncoder(PoseEncoderOptions(17, 2, 32)).ptr(); });
    // PoseDecoder: the default Martinez size and a small one.
    v.emplace_back("pose_decoder:32,16,3,1024,2",
                   [] { return PoseDecoder(PoseDecoderOptions(32, 16, 3)).ptr(); });
    v.emplace_back("pose_decoder:16,17,2,64,1", [] {
      return PoseDecoder(PoseDecoderOptions(16, 17, 2).hidden(64).blocks(1)).ptr();
    });
    for (int64_t s : {64, 128, 256})
      v.emplace_back("image_decoder:32," + std::to_string(s), [s] {
        return ImageDecoder(ImageDecoderOptions(32).image_size(s)).ptr();
      });
    // (spectral_norm, batch_norm): BCE with BN, WGAN-GP critic without, spectral norm.
    const std::vector<std::pair<bool, bool>> variants = {{false, true}, {false, false}, {true, true}};
    for (int64_t s : {64, 128, 256})
      for (auto [sn, bn] : variants)
        v.emplace_back("image_discriminator:" + std::to_string(s) + ",64," +
                           std::to_string(int(sn)) + "," + std::to_string(int(bn)),
                       [s, sn = sn, bn = bn] {
                         return ImageDiscriminator(ImageDiscriminatorOptions()
                                                       .image_size(s)
                                                       .spectral_norm(sn)
                                                       .batch_norm(bn))
                             .ptr();
                       });
    v.emplace_back("image_discriminator:128,32,0,1", [] {
      return ImageDiscriminator(ImageDiscriminatorOptions().image_size(128).base_channels(32)).ptr();
    });
    for (auto [sn, bn] : variants)
      v.emplace_back("pose_discriminator:48,512,3," + std::to_string(int(sn)) + "," +
                         std::to_string(int(bn)),
                     [sn = sn, bn = bn] {
                       return PoseDiscriminator(
                                  PoseDiscriminatorOptions(48).spectral_norm(sn).batch_norm(bn))
                           .ptr();
                     });
    v.emplace_back("pose_discriminator:34,128,1,0,1", [] {
      return PoseDiscriminator(PoseDiscriminatorOptions(34).hidden(128).layers(1).feature_layer(1))
          .ptr();
    });
    return v;
  }();
  return all;
}

// The exact baseline against Martinez et al.'s network as bench/martinez_torch.py
// builds it for the parity and speed benchmarks (other names): spec -> (in joints, hidden, blocks).
struct MartinezCase {
  std::string spec;
  int64_t joints_2d, hidden, blocks;
};
const std::vector<MartinezCase> kMartinezCases = {{"martinez:32,48,1024,2", 16, 1024, 2},
                                                  {"martinez:34,48,512,1", 17, 512, 1}};

// Runs the Python side once for every case; "" and *error on failure.
const nlohmann::json& pytorch_layouts(std::string* error) {
  static std::once_flag once;
  static nlohmann::json result;
  static std::string err;
  std::call_once(once, [] {
    std::string cmd = test::python() + " " + std::string(HPE3D_SOURCE_DIR) +
                      "/tests/models/pytorch_equivalents.py";
    for (auto& [spec, make] : cases()) cmd += " " + spec;
    for (auto& m : kMartinezCases) cmd += " " + m.spec;
    std::string out;
    if (test::run_command(cmd + " 2>&1", &out) != 0) {
      err = "pytorch_equivalents.py failed (torch importable by " + test::python() + "?): " + out;
      return;
    }
    try {
      result = nlohmann::json::parse(out.substr(out.find('{')));
    } catch (const std::exception& e) {
      err = std::string("unparsable output: ") + e.what() + ": " + out;
    }
  });
  *error = err;
  return result;
}

Layout layout_of(const nlohmann::json& j) {
  Layout l;
  for (auto& p : j.at("parameters")) l.parameters[p[0]] = p[1].get<std::vector<int64_t>>();
  for (auto& b : j.at("buffers")) l.buffers[b[0]] = b[1].get<std::vector<int64_t>>();
  return l;
}

TEST(ParameterCount, EveryModuleMatchesItsPyTorchEquivalent) {
  std::string error;
  const auto& py = pytorch_layouts(&error);
  ASSERT_TRUE(error.empty()) << error;
  for (auto& [spec, make] : cases()) {
    SCOPED_TRACE(spec);
    ASSERT_TRUE(py.contains(spec));
    torch::manual_seed(0);
    auto module = make();
    Layout c = layout_of(*module), p = layout_of(py.at(spec));
    EXPECT_EQ(total(c.parameters), total(p.parameters)) << diff(c.parameters, p.parameters);
    EXPECT_EQ(total(c.buffers), total(p.buffers)) << diff(c.buffers, p.buffers);
    EXPECT_EQ(diff(c.parameters, p.parameters), "");
    EXPECT_EQ(diff(c.buffers, p.buffers), "");
    std::printf("[models] %-34s %10lld parameters, %6lld buffer values (C++ = PyTorch)\n",
                spec.c_str(), static_cast<long long>(total(c.parameters)),
                static_cast<long long>(total(c.buffers)));
  }
}

// Same layers in the same order (shape by shape), same total, same buffers.
TEST(ParameterCount, MartinezRegressorIsThePapersNetwork) {
  std::string error;
  const auto& py = pytorch_layouts(&error);
  ASSERT_TRUE(error.empty()) << error;
  for (const auto& m : kMartinezCases) {
    SCOPED_TRACE(m.spec);
    PoseRegressor net(PoseRegressorOptions(m.joints_2d, 2, 16, 3).hidden(m.hidden).blocks(m.blocks));
    std::vector<std::vector<int64_t>> cpp, torch_nn;
    for (auto& p : net->parameters()) cpp.push_back(p.sizes().vec());
    for (auto& p : py.at(m.spec).at("parameters")) torch_nn.push_back(p[1].get<std::vector<int64_t>>());
    EXPECT_EQ(cpp, torch_nn);
    int64_t n_cpp = 0, n_py = 0, b_cpp = 0, b_py = 0;
    for (auto& s : cpp) n_cpp += c10::multiply_integers(s);
    for (auto& s : torch_nn) n_py += c10::multiply_integers(s);
    for (auto& b : net->buffers()) b_cpp += b.numel();
    for (auto& b : py.at(m.spec).at("buffers")) b_py += c10::multiply_integers(b[1].get<std::vector<int64_t>>());
    EXPECT_EQ(n_cpp, n_py);
    EXPECT_EQ(b_cpp, b_py);
    std::printf("[models] %-34s %10lld parameters (C++ = torch.nn from the paper)\n", m.spec.c_str(),
                static_cast<long long>(n_cpp));
  }
  // The paper's size, by hand: Linear(32, 1024) + BN, 4 x (Linear(1024, 1024) + BN), Linear(1024, 48).
  PoseRegressor paper(PoseRegressorOptions(16, 2, 16, 3));
  int64_t n = 0;
  for (auto& p : paper->parameters()) n += p.numel();
  EXPECT_EQ(n, (32 * 1024 + 1024 + 2048) + 4 * (1024 * 1024 + 1024 + 2048) + (1024 * 48 + 48));  // 4,291,632
}

TEST(ParameterCount, HandCheckedTotals) {
  // Independent of both implementations, from the documented layer sizes.
  auto params = [](torch::nn::Module& m) { return total(layout_of(m).parameters); };
  // trunk: Linear(32, 1024) + BN, 2 x 2 x (Linear(1024, 1024) + BN); fc_out Linear(1024, 48).
  PoseDecoder dec(PoseDecoderOptions(32, 16, 3));
  EXPECT_EQ(params(*dec), (32 * 1024 + 1024 + 2048) + 4 * (1024 * 1024 + 1024 + 2048) +
                              (1024 * 48 + 48));  // 4,291,632
  // fc Linear(32, 256*8*8) + BN(256), ConvT 256->128 (no bias) + BN, 128->64 + BN, 64->3 + bias.
  ImageDecoder img(ImageDecoderOptions(32).image_size(64));
  EXPECT_EQ(params(*img), (32 * 16384 + 16384) + 512 + (256 * 128 * 16 + 256) +
                              (128 * 64 * 16 + 128) + (64 * 3 * 16 + 3));  // 1,200,003
  // Conv 3->64, 64->128 + BN, 128->256 + BN (all with bias), Linear(256*8*8, 1).
  ImageDiscriminator disc;
  EXPECT_EQ(params(*disc), (3 * 64 * 16 + 64) + (64 * 128 * 16 + 128 + 256) +
                               (128 * 256 * 16 + 256 + 512) + (256 * 64 + 1));  // 676,033
  // Linear(48, 512), 2 x (Linear(512, 512) + BN), Linear(512, 1).
  PoseDiscriminator pdisc(PoseDiscriminatorOptions(48));
  EXPECT_EQ(params(*pdisc),
            (48 * 512 + 512) + 2 * (512 * 512 + 512 + 1024) + (512 + 1));  // 552,961
}

}  // namespace
}  // namespace hpe3d::models
