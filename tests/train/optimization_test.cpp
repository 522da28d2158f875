// The optimisation seam: one update of each objective changes exactly the
// parameters it should, the gradient hook runs once per update between
// backward and step, and clipping comes after the hook.
#include "hpe3d/train/optimization.h"

#include <cmath>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "hpe3d/core/error.h"
#include "hpe3d/train/objective.h"
#include "test_util.h"

namespace hpe3d::train {
namespace {

using models::Modality;

core::ExperimentConfig small_config(bool gan) {
  core::ExperimentConfig c;
  c.model.latent_dim = 8;
  c.model.pose.hidden = 32;
  c.model.pose.blocks = 1;
  c.model.pose.dropout = 0.0;
  c.model.encoders = {"pose2d", "pose3d"};
  c.model.decoders = {"pose3d", "pose2d"};
  c.train.pairs = {"pose2d->pose3d"};
  c.train.optimizer.lr = 1e-2;
  if (gan) test::add_pose_critic(c.model);
  return c;
}

Batch random_batch() {
  Batch b;
  b.inputs[Modality::kPose2d] = b.targets[Modality::kPose2d] = torch::randn({16, 34});
  b.inputs[Modality::kPose3d] = b.targets[Modality::kPose3d] = torch::randn({16, 48});
  return b;
}

using Snapshot = std::map<std::string, torch::Tensor>;

Snapshot snapshot(models::CrossModalVAE& model) {
  Snapshot out;
  for (const auto& p : model->named_parameters()) out[p.key()] = p.value().detach().clone();
  return out;
}

// Names of the parameters that differ from the snapshot.
std::set<std::string> changed(const Snapshot& before, models::CrossModalVAE& model) {
  std::set<std::string> out;
  for (const auto& p : model->named_parameters())
    if (!torch::equal(before.at(p.key()), p.value())) out.insert(p.key());
  return out;
}

bool all_start_with(const std::set<std::string>& names, const std::vector<std::string>& prefixes) {
  for (const auto& n : names) {
    bool ok = false;
    for (const auto& p : prefixes) ok |= n.rfind(p, 0) == 0;
    if (!ok) return false;
  }
  return true;
}

bool any_starts_with(const std::set<std::string>& names, const std::string& prefix) {
  for (const auto& n : names)
    if (n.rfind(prefix, 0) == 0) return true;
  return false;
}

struct Setup {
  core::ExperimentConfig config;
  models::CrossModalVAE model{nullptr};
  TrainingOptimization optimization;
  std::unique_ptr<Objective> objective;
  models::Pair pair{Modality::kPose2d, Modality::kPose3d};
};

Setup make_setup(bool gan, const std::string& objective = "vae", bool amp = false) {
  Setup s;
  s.config = small_config(gan);
  s.config.train.objective = objective;
  s.config.train.amp = amp;
  torch::manual_seed(0);
  s.model = models::make_model(s.config.model);
  s.optimization = make_training_optimization(s.config, s.model, {s.pair});
  s.objective = make_objective(s.config);
  return s;
}

TEST(Optimization, VaeStepUpdatesItsEncoderAndDecoderOnly) {
  auto s = make_setup(false);
  auto before = snapshot(s.model);
  auto terms = s.objective->loss(s.model, s.pair, random_batch(), 0.01);
  s.optimization.optimization->update(s.optimization.pair_optimizer[0], terms);
  auto c = changed(before, s.model);
  EXPECT_TRUE(any_starts_with(c, "encoder_pose2d.fc_logvar"));  // the KL term trains it
  EXPECT_TRUE(any_starts_with(c, "decoder_pose3d."));
  EXPECT_TRUE(all_start_with(c, {"encoder_pose2d.", "decoder_pose3d."}));  // one shared optimiser, two idle modules
  ASSERT_EQ(terms.logged.size(), 2u);
  EXPECT_EQ(terms.logged[0].first, "recon");
  EXPECT_EQ(terms.logged[1].first, "kl");
}

TEST(Optimization, RegressionStepLeavesTheVarianceHeadAlone) {
  auto s = make_setup(false, "regression");
  auto before = snapshot(s.model);
  auto terms = s.objective->loss(s.model, s.pair, random_batch(), 0.01);
  s.optimization.optimization->update(s.optimization.pair_optimizer[0], terms);
  auto c = changed(before, s.model);
  EXPECT_TRUE(any_starts_with(c, "encoder_pose2d.fc_mu"));
  EXPECT_TRUE(any_starts_with(c, "decoder_pose3d."));
  EXPECT_FALSE(any_starts_with(c, "encoder_pose2d.fc_logvar"));  // no KL, no sampling: no gradient
  EXPECT_TRUE(all_start_with(c, {"encoder_pose2d.", "decoder_pose3d."}));
  ASSERT_EQ(terms.logged.size(), 1u);
  EXPECT_EQ(terms.logged[0].first, "recon");
}

TEST(Optimization, VaeGanCriticAndGeneratorStepsUpdateTheirOwnParameters) {
  auto s = make_setup(true);
  auto& o = *s.optimization.optimization;
  auto batch = random_batch();
  ASSERT_EQ(s.objective->critic_updates(s.model, s.pair), 1);
  auto before = snapshot(s.model);
  o.update(o.critic(), s.objective->critic_loss(s.model, s.pair, batch));
  auto c = changed(before, s.model);
  EXPECT_FALSE(c.empty());
  EXPECT_TRUE(all_start_with(c, {"discriminator_pose3d."}));

  before = snapshot(s.model);
  auto terms = s.objective->loss(s.model, s.pair, batch, 0.01);
  o.update(s.optimization.pair_optimizer[0], terms);
  c = changed(before, s.model);
  EXPECT_TRUE(any_starts_with(c, "encoder_pose2d."));
  EXPECT_TRUE(any_starts_with(c, "decoder_pose3d."));
  EXPECT_TRUE(all_start_with(c, {"encoder_pose2d.", "decoder_pose3d."}));  // not D
  ASSERT_EQ(terms.gradients.size(), 2u);  // the encoder's and the decoder's objectives
}

// train.amp: each forward runs in its own autocast scope (update() inside
// one is refused), and the scope is over when forward returns, so the
// critic's update, the generator's forward and its backward each run where
// they should and the generator's encoder and decoder get their gradients.
// (CUDA autocast leaves CPU arithmetic alone: the scopes are what is tested here.)
TEST(Optimization, AmpForwardsEndTheirAutocastScopeBeforeEachUpdate) {
  auto s = make_setup(true, "vae", /*amp=*/true);
  auto& o = *s.optimization.optimization;
  auto batch = random_batch();
  auto critic = o.forward([&] {
    auto terms = s.objective->critic_loss(s.model, s.pair, batch);
    EXPECT_THROW(o.update(o.critic(), terms), c10::Error) << "an update inside the autocast scope";
    return terms;
  });
  auto before = snapshot(s.model);
  o.update(o.critic(), critic);
  EXPECT_TRUE(all_start_with(changed(before, s.model), {"discriminator_pose3d."}));
  before = snapshot(s.model);
  auto terms = o.forward([&] { return s.objective->loss(s.model, s.pair, batch, 0.01); });
  o.update(s.optimization.pair_optimizer[0], terms);
  auto c = changed(before, s.model);
  EXPECT_TRUE(any_starts_with(c, "encoder_pose2d."));
  EXPECT_TRUE(any_starts_with(c, "decoder_pose3d."));

  auto off = make_setup(false);  // without amp, forward only calls the loss
  auto& p = *off.optimization.optimization;
  p.update(off.optimization.pair_optimizer[0],
           p.forward([&] { return off.objective->loss(off.model, off.pair, batch, 0.01); }));
}

// The hook sees the gradients of backward (defined, the parameters not yet
// stepped) once per update; it scales them a millionfold, and the clip that
// follows brings them back under train.grad_clip.
TEST(Optimization, HookRunsOncePerUpdateBetweenBackwardAndStepAndBeforeTheClip) {
  auto config = small_config(false);
  config.train.grad_clip = 0.5;
  torch::manual_seed(0);
  auto model = models::make_model(config.model);
  models::Pair pair{Modality::kPose2d, Modality::kPose3d};
  auto opt = make_training_optimization(config, model, {pair});
  auto& o = *opt.optimization;
  VaeObjective objective(true, true);
  int calls = 0;
  double norm_in_hook = 0.0;
  Snapshot before;
  o.set_gradient_hook([&](const std::vector<torch::Tensor>& params) {
    ++calls;
    double sq = 0.0;
    int with_grad = 0;
    for (const auto& p : params) {
      if (!p.grad().defined()) continue;
      ++with_grad;
      p.grad().mul_(1e6);
      sq += p.grad().pow(2).sum().item<double>();
    }
    norm_in_hook = std::sqrt(sq);
    EXPECT_GT(with_grad, 0) << "backward has run";
    EXPECT_TRUE(changed(before, model).empty()) << "the step has not";
  });
  for (int step = 0; step < 3; ++step) {
    before = snapshot(model);
    auto terms = objective.loss(model, pair, random_batch(), 0.01);
    o.update(opt.pair_optimizer[0], terms);
    EXPECT_EQ(calls, step + 1);
    EXPECT_FALSE(changed(before, model).empty());
    double sq = 0.0;
    for (const auto& p : model->parameters())
      if (p.grad().defined()) sq += p.grad().pow(2).sum().item<double>();
    EXPECT_GT(norm_in_hook, 1e3);                    // what the hook left
    EXPECT_LE(std::sqrt(sq), 0.5 * (1 + 1e-4));      // what was stepped: clipped after it
  }
}

TEST(Optimization, LearningRateFollowsTheScheduleOnVaeOptimisersOnly) {
  auto config = small_config(true);
  config.train.lr.schedule = "step";
  config.train.lr.step_epochs = 1;
  config.train.lr.gamma = 0.5;
  config.train.gan.lr = 3e-4;
  torch::manual_seed(0);
  auto model = models::make_model(config.model);
  auto opt = make_training_optimization(config, model, {{Modality::kPose2d, Modality::kPose3d}});
  auto& o = *opt.optimization;
  o.begin_step(10, 2.5);
  EXPECT_DOUBLE_EQ(o.optimizer(0).param_groups()[0].options().get_lr(), 1e-2 * 0.25);
  EXPECT_DOUBLE_EQ(o.optimizer(o.critic()).param_groups()[0].options().get_lr(), 3e-4);
}

TEST(Optimization, UnknownOptimiserKindIsAnInputError) {
  core::OptimizerConfig c;
  c.kind = "adagrad";
  try {
    make_optimizer(c, {torch::zeros({2}, torch::requires_grad())});
    FAIL() << "expected core::InputError";
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("train.optimizer.kind"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace hpe3d::train
