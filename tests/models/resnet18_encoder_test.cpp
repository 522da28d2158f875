#include "hpe3d/models/resnet18_encoder.h"

#include <fstream>
#include <mutex>

#include <gtest/gtest.h>
#include <torch/script.h>

#include "hpe3d/core/error.h"
#include "test_util.h"

namespace hpe3d::models {
namespace {

int64_t trunk_parameter_count(ResNet18EncoderImpl& enc) {
  int64_t n = 0;
  for (auto& p : enc.named_parameters())
    if (p.key().rfind("fc_", 0) != 0) n += p.value().numel();
  return n;
}

// Runs the Python side once: writes, into one directory,
//   resnet18.pt  torchvision resnet18 (seed 7, randomised BN affine + running
//                stats, eval), TorchScript
//   data.pt      TorchScript holder of buffers `x` [2, 3, 64, 64], `x128`
//                [1, 3, 128, 128] and `feature`, `feature128` = torchvision's
//                pooled 512-d features of them (fc = Identity)
//   resnet34.pt  a wrong architecture
//   tiny.pt      a tiny scripted module with a `conv1` of the wrong shape
// Returns "" and sets *error when python3-torchvision is missing or Python fails.
const char* kFixtureScript = R"PY(
import sys
import torch
import torchvision
out = sys.argv[1]
torch.manual_seed(7)
m = torchvision.models.resnet18()
with torch.no_grad():
    for mod in m.modules():
        if isinstance(mod, torch.nn.BatchNorm2d):
            mod.weight.uniform_(0.5, 1.5)
            mod.bias.uniform_(-0.2, 0.2)
            mod.running_mean.uniform_(-0.2, 0.2)
            mod.running_var.uniform_(0.5, 1.5)
            mod.num_batches_tracked.fill_(11)
m.eval()
torch.jit.script(m).save(out + "/resnet18.pt")
x = torch.randn(2, 3, 64, 64)
x128 = torch.randn(1, 3, 128, 128)
m.fc = torch.nn.Identity()
with torch.no_grad():
    feature = m(x)
    feature128 = m(x128)

class Holder(torch.nn.Module):
    def __init__(self, x, feature, x128, feature128):
        super().__init__()
        self.register_buffer("x", x)
        self.register_buffer("feature", feature)
        self.register_buffer("x128", x128)
        self.register_buffer("feature128", feature128)
    def forward(self):
        return self.feature

torch.jit.script(Holder(x, feature, x128, feature128)).save(out + "/data.pt")
torch.jit.script(torchvision.models.resnet34()).save(out + "/resnet34.pt")

class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(3, 8, 3, bias=False)
        self.fc = torch.nn.Linear(8, 10)
    def forward(self, x):
        return self.fc(self.conv1(x).mean((2, 3)))

torch.jit.script(Tiny()).save(out + "/tiny.pt")
print("ok")
)PY";

std::string fixture_dir(std::string* error) {
  static std::once_flag once;
  static std::string dir, err;
  std::call_once(once, [] {
    std::string out;
    if (test::run_command(test::python() + " -c 'import torchvision'", &out) != 0) {
      err = "torchvision is not importable by " + test::python() +
            ": install the Debian package python3-torchvision (" + out + ")";
      return;
    }
    std::string d = test::temp_dir("resnet18_fixture");
    std::ofstream(d + "/make.py") << kFixtureScript;
    if (test::run_command(test::python() + " " + d + "/make.py " + d, &out) != 0) {
      err = "fixture script failed: " + out;
      return;
    }
    dir = d;
  });
  *error = err;
  return dir;
}

#define REQUIRE_FIXTURE(dir)                     \
  std::string fixture_error;                     \
  std::string dir = fixture_dir(&fixture_error); \
  ASSERT_FALSE(dir.empty()) << fixture_error

TEST(ResNet18Encoder, ShapesAndBackwardForEverySize) {
  torch::manual_seed(0);
  for (int64_t size : {64, 128, 256})
    for (int64_t latent : {16, 32}) {
      int64_t batch = size == 256 ? 1 : 2;
      if (size == 256 && latent == 16) continue;  // keep the suite fast
      ResNet18Encoder enc(ResNet18EncoderOptions(latent).input_size(size).dropout(0.1));
      auto x = torch::randn({batch + 1, 3, size, size});  // BN needs > 1 value per channel
      Posterior q = enc(x);
      ASSERT_EQ(q.mu.sizes(), torch::IntArrayRef({batch + 1, latent}));
      ASSERT_EQ(q.logvar.sizes(), torch::IntArrayRef({batch + 1, latent}));
      ASSERT_EQ(enc->feature(x).sizes(), torch::IntArrayRef({batch + 1, 512}));
      (q.mu.sum() + q.logvar.sum()).backward();
      for (auto& p : enc->named_parameters()) ASSERT_TRUE(p.value().grad().defined()) << p.key();
      EXPECT_THROW(enc(torch::randn({1, 3, size / 2, size / 2})), c10::Error);
    }
}

TEST(ResNet18Encoder, TorchvisionNamesAndParameterCount) {
  ResNet18Encoder enc(ResNet18EncoderOptions(32));
  EXPECT_EQ(trunk_parameter_count(*enc), 11'176'512);  // torchvision resnet18 without fc
  auto params = enc->named_parameters();
  auto buffers = enc->named_buffers();
  for (const char* name :
       {"conv1.weight", "bn1.weight", "layer1.0.conv1.weight", "layer1.1.bn2.bias",
        "layer2.0.downsample.0.weight", "layer2.0.downsample.1.weight", "layer4.1.conv2.weight",
        "fc_mu.weight", "fc_logvar.bias"})
    EXPECT_TRUE(params.contains(name)) << name;
  for (const char* name : {"bn1.running_mean", "layer3.0.downsample.1.running_var",
                           "layer4.1.bn2.num_batches_tracked"})
    EXPECT_TRUE(buffers.contains(name)) << name;
  EXPECT_FALSE(params.contains("fc.weight"));
  EXPECT_FALSE(params.contains("layer1.0.downsample.0.weight"));
  EXPECT_EQ(enc->trunk_state().size(),
            60u + 60u);  // torchvision state_dict: 122 minus fc.{weight,bias}
}

TEST(ResNet18Encoder, MatchesTorchvisionFeatures) {
  REQUIRE_FIXTURE(dir);
  ResNet18Encoder enc(ResNet18EncoderOptions(32).input_size(64));
  enc->load_pretrained(dir + "/resnet18.pt");
  enc->eval();
  auto data = torch::jit::load(dir + "/data.pt");
  auto x = data.attr("x").toTensor();
  auto expected = data.attr("feature").toTensor();
  torch::NoGradGuard no_grad;
  auto feature = enc->feature(x);
  ASSERT_EQ(feature.sizes(), expected.sizes());
  double rel = ((feature - expected).norm() / expected.norm()).item<double>();
  EXPECT_LT(rel, 1e-5);
  EXPECT_TRUE(torch::allclose(feature, expected, 1e-4, 1e-5 * expected.abs().max().item<double>()));
  EXPECT_GT(expected.abs().max().item<double>(), 1e-3);  // not a trivially zero feature
  // The trunk is size-agnostic: the same weights at 128 px.
  ResNet18Encoder enc128(ResNet18EncoderOptions(32).input_size(128));
  enc128->load_pretrained(dir + "/resnet18.pt");
  enc128->eval();
  auto expected128 = data.attr("feature128").toTensor();
  double rel128 =
      ((enc128->feature(data.attr("x128").toTensor()) - expected128).norm() / expected128.norm())
          .item<double>();
  EXPECT_LT(rel128, 1e-5);
  std::printf(
      "[models] ResNet-18 feature vs torchvision: relative error %.2e (64 px), %.2e (128 px)\n",
      rel, rel128);
  // Buffers were copied too.
  EXPECT_EQ(enc->named_buffers()["layer3.1.bn1.num_batches_tracked"].item<int64_t>(), 11);
  // A freshly initialised encoder does not match.
  ResNet18Encoder fresh(ResNet18EncoderOptions(32).input_size(64));
  fresh->eval();
  EXPECT_GT(((fresh->feature(x) - expected).norm() / expected.norm()).item<double>(), 1e-2);
}

TEST(ResNet18Encoder, LoadPretrainedRejectsOtherArchitectures) {
  REQUIRE_FIXTURE(dir);
  ResNet18Encoder enc(ResNet18EncoderOptions(32));
  auto before = enc->conv1->weight.clone();
  try {
    enc->load_pretrained(dir + "/resnet34.pt");
    FAIL() << "resnet34 loaded";
  } catch (const core::InputError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("resnet34.pt"), std::string::npos) << msg;
    EXPECT_NE(msg.find("unexpected [layer1.2."), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
  try {
    enc->load_pretrained(dir + "/tiny.pt");
    FAIL() << "tiny module loaded";
  } catch (const core::InputError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("missing [bn1."), std::string::npos) << msg;
    EXPECT_NE(msg.find("shape mismatch [conv1.weight [8, 3, 3, 3] vs model [64, 3, 7, 7]"),
              std::string::npos)
        << msg;
  }
  EXPECT_THROW(enc->load_pretrained(dir + "/does_not_exist.pt"), core::InputError);
  EXPECT_TRUE(torch::equal(before, enc->conv1->weight));  // nothing half-loaded
}

TEST(ResNet18Encoder, ExportScriptWritesALoadableFileAndNeverDownloads) {
  std::string fixture_error;
  fixture_dir(&fixture_error);
  ASSERT_TRUE(fixture_error.empty()) << fixture_error;
  std::string dir = test::temp_dir("resnet18_export");
  std::string script = std::string(HPE3D_SOURCE_DIR) + "/scripts/export_torchvision_resnet18.py";
  std::string out;
  ASSERT_EQ(
      test::run_command(
          test::python() + " " + script + " --random-init --seed 3 --out " + dir + "/r18.pt", &out),
      0)
      << out;
  ResNet18Encoder enc(ResNet18EncoderOptions(16));
  enc->load_pretrained(dir + "/r18.pt");
  auto file = torch::jit::load(dir + "/r18.pt");
  EXPECT_TRUE(
      torch::equal(enc->layer2->named_parameters()["0.downsample.0.weight"], file.attr("layer2")
                                                                                 .toModule()
                                                                                 .attr("0")
                                                                                 .toModule()
                                                                                 .attr("downsample")
                                                                                 .toModule()
                                                                                 .attr("0")
                                                                                 .toModule()
                                                                                 .attr("weight")
                                                                                 .toTensor()));
  // No cached ImageNet weights in an empty TORCH_HOME: a clear failure, no download.
  int rc = test::run_command(
      "TORCH_HOME=" + dir + " " + test::python() + " " + script + " --out " + dir + "/pre.pt",
      &out);
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("--random-init"), std::string::npos) << out;
  EXPECT_FALSE(std::ifstream(dir + "/pre.pt").good());
}

TEST(ResNet18Encoder, FrozenStagesDoNotChange) {
  torch::manual_seed(4);
  ResNet18Encoder enc(ResNet18EncoderOptions(8).freeze(2));  // stem + layer1
  enc->train();
  EXPECT_FALSE(enc->bn1->is_training());
  EXPECT_FALSE(enc->layer1->is_training());
  EXPECT_TRUE(enc->layer2->is_training());
  EXPECT_FALSE(enc->conv1->weight.requires_grad());
  EXPECT_TRUE(enc->layer2->parameters()[0].requires_grad());

  auto snapshot = [&](const std::string& prefix) {
    std::map<std::string, torch::Tensor> s;
    for (auto& [name, t] : enc->trunk_state())
      if (name.rfind(prefix, 0) == 0) s[name] = t.clone();
    return s;
  };
  auto stem = snapshot("conv1."), bn = snapshot("bn1."), l1 = snapshot("layer1."),
       l2 = snapshot("layer2.");
  torch::optim::Adam opt(enc->parameters(), torch::optim::AdamOptions(1e-2));
  for (int step = 0; step < 2; ++step) {
    opt.zero_grad();
    enc(torch::randn({3, 3, 64, 64})).mu.square().mean().backward();
    opt.step();
  }
  auto same = [&](const std::map<std::string, torch::Tensor>& before) {
    auto now = enc->trunk_state();
    for (auto& [name, t] : now)
      if (before.count(name) && !torch::equal(before.at(name), t)) return false;
    return true;
  };
  EXPECT_TRUE(same(stem));
  EXPECT_TRUE(same(bn));  // incl. running_mean / running_var / num_batches_tracked
  EXPECT_TRUE(same(l1));
  EXPECT_FALSE(same(l2));
  EXPECT_THROW(ResNet18Encoder(ResNet18EncoderOptions(8).freeze(6)), c10::Error);
}

}  // namespace
}  // namespace hpe3d::models
