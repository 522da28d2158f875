// The fused Adam pass against torch::optim::Adam (after LibTorch's clip).
#include "hpe3d/train/fused_adam.h"

#include <sstream>

#include <gtest/gtest.h>

#include "hpe3d/core/optimizer_state.h"
#include "hpe3d/train/gradient_clip.h"

namespace hpe3d::train {
namespace {

std::vector<torch::Tensor> make_params(uint64_t seed) {
  torch::manual_seed(seed);
  std::vector<torch::Tensor> out;
  for (auto shape : {std::vector<int64_t>{300, 70}, std::vector<int64_t>{70}, std::vector<int64_t>{5, 3, 2}})
    out.push_back((torch::randn(shape) * 0.5).requires_grad_(true));
  out.push_back(torch::randn({4}).requires_grad_(true));  // never gets a gradient
  return out;
}

std::vector<torch::Tensor> copy_of(const std::vector<torch::Tensor>& params) {
  std::vector<torch::Tensor> out;
  for (const auto& p : params) out.push_back(p.detach().clone().requires_grad_(true));
  return out;
}

void set_gradients(std::vector<torch::Tensor>& a, std::vector<torch::Tensor>& b, int step, double magnitude) {
  torch::manual_seed(100 + step);
  for (size_t i = 0; i + 1 < a.size(); ++i) {
    auto g = torch::randn(a[i].sizes()) * magnitude;
    a[i].mutable_grad() = g.clone();
    b[i].mutable_grad() = g.clone();
  }
}

double max_relative(const torch::Tensor& a, const torch::Tensor& b) {
  return ((a - b).abs().max() / b.abs().max().clamp_min(1e-12)).item<double>();
}

void expect_same_state(torch::optim::Adam& fused, torch::optim::Adam& reference, const std::vector<torch::Tensor>& pf,
                       const std::vector<torch::Tensor>& pr, double tol) {
  for (size_t i = 0; i < pf.size(); ++i) {
    EXPECT_LT(max_relative(pf[i], pr[i]), tol) << "parameter " << i;
    const auto kf = core::optimizer_state_key(pf[i]);
    const auto kr = core::optimizer_state_key(pr[i]);
    ASSERT_EQ(fused.state().count(kf), reference.state().count(kr)) << "state of parameter " << i;
    if (!reference.state().count(kr)) continue;
    auto& sf = static_cast<torch::optim::AdamParamState&>(*fused.state().at(kf));
    auto& sr = static_cast<torch::optim::AdamParamState&>(*reference.state().at(kr));
    EXPECT_EQ(sf.step(), sr.step());
    EXPECT_LT(max_relative(sf.exp_avg(), sr.exp_avg()), tol) << "exp_avg " << i;
    EXPECT_LT(max_relative(sf.exp_avg_sq(), sr.exp_avg_sq()), tol) << "exp_avg_sq " << i;
  }
}

TEST(FusedAdam, MatchesLibTorchAdamWithClipAndWeightDecay) {
  for (double weight_decay : {0.0, 0.01}) {
    for (double magnitude : {0.001, 30.0}) {  // the clip idle and active
      auto pf = make_params(1), pr = copy_of(pf);
      auto options = torch::optim::AdamOptions(1e-3).weight_decay(weight_decay);
      torch::optim::Adam fused(pf, options), reference(pr, options);
      ASSERT_TRUE(fused_adam_applies(fused));
      for (int step = 0; step < 20; ++step) {
        set_gradients(pf, pr, step, magnitude);
        auto scale = gradient_clip_scale(pf, 1.0);
        fused_adam_step(fused, scale.item<float>());
        torch::nn::utils::clip_grad_norm_(pr, 1.0);
        reference.step();
        for (size_t i = 0; i + 1 < pf.size(); ++i)  // the gradients end clipped, as after clip_grad_norm_
          EXPECT_LT(max_relative(pf[i].grad(), pr[i].grad()), 1e-6);
      }
      SCOPED_TRACE("weight decay " + std::to_string(weight_decay) + ", magnitude " + std::to_string(magnitude));
      expect_same_state(fused, reference, pf, pr, 1e-6);
    }
  }
}

// The state is the optimiser's own: saved and loaded by LibTorch, a resumed
// fused run continues bit for bit, and LibTorch's step continues a fused one.
TEST(FusedAdam, StateRoundTripsThroughLibTorchSerialisation) {
  auto pa = make_params(2), pb = copy_of(pa);
  torch::optim::Adam a(pa, torch::optim::AdamOptions(1e-2));
  for (int step = 0; step < 3; ++step) {
    set_gradients(pa, pb, step, 1.0);
    fused_adam_step(a, 1.0f);
  }
  std::stringstream buffer;
  {
    torch::serialize::OutputArchive out;
    a.save(out);
    out.save_to(buffer);
  }
  for (size_t i = 0; i < pa.size(); ++i) {
    torch::NoGradGuard no_grad;
    pb[i].copy_(pa[i]);
  }
  torch::optim::Adam b(pb, torch::optim::AdamOptions(1e-2));
  {
    torch::serialize::InputArchive in;
    in.load_from(buffer);
    b.load(in);
  }
  for (int step = 3; step < 6; ++step) {
    set_gradients(pa, pb, step, 1.0);
    fused_adam_step(a, 1.0f);
    fused_adam_step(b, 1.0f);
  }
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(torch::equal(pa[i], pb[i])) << i;
  // LibTorch's own step continues from the fused state.
  auto pc = copy_of(pa);
  torch::optim::Adam c(pc, torch::optim::AdamOptions(1e-2));
  std::stringstream again;
  {
    torch::serialize::OutputArchive out;
    a.save(out);
    out.save_to(again);
    torch::serialize::InputArchive in;
    in.load_from(again);
    c.load(in);
  }
  set_gradients(pa, pc, 6, 1.0);
  fused_adam_step(a, 1.0f);
  c.step();
  expect_same_state(a, c, pa, pc, 1e-6);
}

TEST(FusedAdam, AppliesOnlyToWhatItHandles) {
  auto p = make_params(3);
  torch::optim::Adam amsgrad(p, torch::optim::AdamOptions(1e-3).amsgrad(true));
  EXPECT_FALSE(fused_adam_applies(amsgrad));
  torch::optim::SGD sgd(p, torch::optim::SGDOptions(1e-3));
  EXPECT_FALSE(fused_adam_applies(sgd));
  std::vector<torch::Tensor> doubles{torch::randn({3}, torch::kFloat64).requires_grad_(true)};
  torch::optim::Adam wide(doubles, torch::optim::AdamOptions(1e-3));
  EXPECT_FALSE(fused_adam_applies(wide));
  EXPECT_THROW(fused_adam_step(wide, 1.0f), c10::Error);
}

}  // namespace
}  // namespace hpe3d::train
