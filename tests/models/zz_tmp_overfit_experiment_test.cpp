// TEMPORARY experiment (not committed).
#include <gtest/gtest.h>
#include <chrono>
#include <cstdlib>
#include "hpe3d/models/cross_modal_vae.h"
#include "hpe3d/data/synthetic.h"
#include "hpe3d/data/normalizer.h"
#include "hpe3d/eval/metrics.h"
#include "hpe3d/geometry/camera_set.h"
namespace hpe3d::models {
namespace {
struct PB { torch::Tensor pose2d, pose3d; };
PB make(int64_t n) {
  auto world = data::sample_synthetic_poses(n, 3);
  auto cams = geometry::CameraSet::load_yaml(geometry::default_h36m_cameras_path());
  std::vector<torch::Tensor> p2, p3;
  for (int64_t i = 0; i < n; ++i) {
    const auto& cam = cams.get(1, 1 + i % 4);
    auto c3 = geometry::world_to_camera(world.slice(0, i, i + 1), cam);
    p2.push_back(geometry::project(c3, cam));
    p3.push_back((c3 - c3.slice(1, 0, 1)).slice(1, 1, 17));
  }
  return {torch::cat(p2).to(torch::kFloat32), torch::cat(p3).to(torch::kFloat32)};
}
TEST(ZZTmp, Overfit) {
  int strategy = std::atoi(std::getenv("STRAT") ? std::getenv("STRAT") : "0");
  int steps = std::atoi(std::getenv("STEPS") ? std::getenv("STEPS") : "1000");
  int hidden = std::atoi(std::getenv("HID") ? std::getenv("HID") : "256");
  torch::manual_seed(11);
  auto b = make(64);
  auto nx = data::Normalizer::fit(b.pose2d), ny = data::Normalizer::fit(b.pose3d);
  auto xn = nx.normalize(b.pose2d), yn = ny.normalize(b.pose3d);
  core::ModelConfig c; c.latent_dim = 32; c.pose.hidden = hidden; c.pose.blocks = 2; c.pose.dropout = 0.0;
  auto model = make_model(c);
  auto mpjpe = [&](bool eval_mode) {
    torch::NoGradGuard g; model->train(!eval_mode);
    auto pred = model->decode(Modality::kPose3d, model->encode(Modality::kPose2d, xn).mu);
    model->train();
    auto mm = ny.denormalize(pred).view({64, 16, 3});
    return eval::pose_errors(eval::add_root(mm), eval::add_root(b.pose3d), eval::Protocol::kP1, {16}).mean().item<double>();
  };
  double before = mpjpe(true);
  auto t0 = std::chrono::steady_clock::now();
  torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(1e-3));
  for (int step = 0; step < steps; ++step) {
    if (step == steps * 7 / 10) static_cast<torch::optim::AdamOptions&>(opt.param_groups()[0].options()).lr(2e-4);
    bool evalphase = strategy == 2 && step >= steps * 8 / 10;
    if (evalphase) model->eval();
    opt.zero_grad();
    torch::Tensor xb = xn, yb = yn;
    if (strategy == 1) { auto idx = torch::randperm(64).slice(0, 0, 32); xb = xn.index_select(0, idx); yb = yn.index_select(0, idx); }
    auto out = model->forward(Modality::kPose2d, Modality::kPose3d, xb);
    auto& q = out.posterior;
    auto kl = -0.5 * (1 + q.logvar - q.mu.square() - q.logvar.exp()).sum(1).mean() / 48;
    (torch::mse_loss(out.reconstruction, yb) + 1e-4 * kl).backward();
    opt.step();
    if (evalphase) model->train();
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double ev = mpjpe(true), bs = mpjpe(false);
  // recalibrate: exact batch stats
  for (auto& m : model->modules()) if (auto* bn = m->as<torch::nn::BatchNorm1d>()) { bn->options.momentum(1.0); }
  { torch::NoGradGuard g; model->train(); model->decode(Modality::kPose3d, model->encode(Modality::kPose2d, xn).mu); }
  double recal = mpjpe(true);
  for (auto& m : model->modules()) if (auto* bn = m->as<torch::nn::BatchNorm1d>()) { bn->running_var.mul_(63.0/64.0); }
  double undo = mpjpe(true);
  std::printf("strat %d steps %d hid %d: before %.1f batch %.2f eval %.2f recal %.2f undo %.2f  (%.1fs)\n", strategy, steps, hidden, before, bs, ev, recal, undo, secs);
}
}}
