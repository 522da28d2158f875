#include "hpe3d/train/optimization.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

#include "hpe3d/core/checkpoint_schema.h"
#include "hpe3d/core/error.h"
#include "hpe3d/train/fused_adam.h"
#include "hpe3d/train/gradient_clip.h"

namespace hpe3d::train {
namespace {

namespace schema = core::checkpoint_schema;

// LibTorch 2.4 gave the autocast functions a device type and deprecated the
// CUDA-only ones.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define HPE3D_AUTOCAST_BY_DEVICE 1
#endif

bool cuda_autocast_enabled() {
#ifdef HPE3D_AUTOCAST_BY_DEVICE
  return at::autocast::is_autocast_enabled(at::kCUDA);
#else
  return at::autocast::is_enabled();
#endif
}

void set_cuda_autocast(bool on) {
#ifdef HPE3D_AUTOCAST_BY_DEVICE
  if (on) at::autocast::set_autocast_dtype(at::kCUDA, at::kBFloat16);
  at::autocast::set_autocast_enabled(at::kCUDA, on);
#else
  if (on) at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
  at::autocast::set_enabled(on);
#endif
}

// Autocast for one forward; ends (and drops the cast cache) also when the forward throws.
class AutocastScope {
 public:
  explicit AutocastScope(bool on) : on_(on) {
    if (on_) set_cuda_autocast(true);
  }
  ~AutocastScope() {
    if (!on_) return;
    set_cuda_autocast(false);
    at::autocast::clear_cache();
  }
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool on_;
};

std::vector<torch::Tensor> params_of(torch::optim::Optimizer& optimizer) {
  std::vector<torch::Tensor> out;
  for (auto& group : optimizer.param_groups()) out.insert(out.end(), group.params().begin(), group.params().end());
  return out;
}

// Drops gradients instead of zeroing them (PyTorch's set_to_none): a
// parameter outside the current pair then has no gradient and the optimiser
// leaves it alone, exactly as after a resume, when no gradient exists yet.
void clear_gradients(torch::optim::Optimizer& optimizer) {
  for (auto& p : params_of(optimizer))
    if (p.grad().defined()) p.mutable_grad() = torch::Tensor();
}

void accumulate(const std::vector<torch::Tensor>& params, const std::vector<torch::Tensor>& grads) {
  for (size_t i = 0; i < params.size(); ++i) {
    if (!grads[i].defined()) continue;
    auto param = params[i];  // a handle to the same parameter
    auto& g = param.mutable_grad();
    g = g.defined() ? g + grads[i] : grads[i].detach();
  }
}

// Differentiates each objective for its own parameters (all first, then
// stored, so that one objective's gradients never leak into another's), or
// for every leaf it reaches when it names none.
void backward(const std::vector<Gradient>& gradients) {
  std::vector<std::vector<torch::Tensor>> grads(gradients.size());
  for (size_t i = 0; i < gradients.size(); ++i) {
    const bool retain = i + 1 < gradients.size();
    const auto& g = gradients[i];
    TORCH_CHECK(g.loss.defined() && g.loss.numel() == 1, "Optimization: a loss must be a scalar");
    if (g.params.empty()) g.loss.backward({}, /*retain_graph=*/retain);
    else grads[i] = torch::autograd::grad({g.loss}, g.params, {}, retain, /*create_graph=*/false, /*allow_unused=*/true);
  }
  for (size_t i = 0; i < gradients.size(); ++i)
    if (!gradients[i].params.empty()) accumulate(gradients[i].params, grads[i]);
}

}  // namespace

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const core::OptimizerConfig& c,
                                                        std::vector<torch::Tensor> params) {
  if (c.kind == "adam")
    return std::make_unique<torch::optim::Adam>(params, torch::optim::AdamOptions(c.lr).weight_decay(c.weight_decay));
  if (c.kind == "adamw")
    return std::make_unique<torch::optim::AdamW>(
        params, torch::optim::AdamWOptions(c.lr).weight_decay(c.weight_decay));
  if (c.kind == "sgd")
    return std::make_unique<torch::optim::SGD>(
        params, torch::optim::SGDOptions(c.lr).momentum(c.momentum).weight_decay(c.weight_decay));
  core::fail("train.optimizer.kind", "expected adam, adamw or sgd, got \"" + c.kind + "\"");
}

Optimization::Optimization(OptimizationOptions options)
    : options_(std::move(options)), lr_(options_.lr, options_.base_lr) {}

Optimization::~Optimization() = default;

size_t Optimization::add_vae_optimizer(std::unique_ptr<torch::optim::Optimizer> optimizer) {
  TORCH_CHECK(!has_critic_, "Optimization: add the VAE optimisers before the critic's");
  optimizers_.push_back(std::move(optimizer));
  return vae_count_++;
}

size_t Optimization::set_critic_optimizer(std::unique_ptr<torch::optim::Optimizer> optimizer) {
  TORCH_CHECK(!has_critic_, "Optimization: one critic optimiser");
  optimizers_.push_back(std::move(optimizer));
  has_critic_ = true;
  return critic();
}

size_t Optimization::critic() const {
  TORCH_CHECK(has_critic_, "Optimization: no critic optimiser");
  return vae_count_;
}

void Optimization::begin_step(int64_t step, double epoch) {
  const double lr = lr_.lr(step, epoch);
  for (size_t i = 0; i < vae_count_; ++i) LrSchedule::apply(*optimizers_[i], lr);
}

void Optimization::update(size_t index, const LossTerms& terms) {
  TORCH_CHECK(!cuda_autocast_enabled(), "Optimization::update inside an autocast scope: backward and the step must "
              "run outside it (compute the loss with Optimization::forward)");
  auto& optimizer = *optimizers_.at(index);
  clear_gradients(optimizer);
  backward(terms.gradients);
  const auto params = params_of(optimizer);
  if (hook_) hook_(params);  // the gradients are ready
  step(optimizer, params, index < vae_count_ ? options_.grad_clip : 0.0);
}

// clip -> step. Adam on the CPU: the clip factor goes into one fused pass
// (train/fused_adam.h); otherwise the gradients are scaled, then step().
void Optimization::step(torch::optim::Optimizer& optimizer, const std::vector<torch::Tensor>& params,
                        double clip) {
  if (options_.fused_adam && fused_adam_applies(optimizer)) {
    float scale = 1.0f;
    if (clip > 0) {
      auto t = gradient_clip_scale(params, clip);
      if (t.defined()) scale = t.item<float>();
    }
    fused_adam_step(static_cast<torch::optim::Adam&>(optimizer), scale);
    return;
  }
  if (clip > 0) clip_gradient_norm(params, clip);
  optimizer.step();
}

void Optimization::end_epoch(double metric) { lr_.end_epoch(metric); }

double Optimization::lr(int64_t step, double epoch) const { return lr_.lr(step, epoch); }

LossTerms Optimization::forward(const std::function<LossTerms()>& loss) const {
  AutocastScope scope(options_.amp);
  return loss();
}

void Optimization::save(core::CheckpointWriter& w) const {
  for (size_t i = 0; i < vae_count_; ++i) w.add_optimizer(schema::optimizer_entry(i), *optimizers_[i]);
  if (has_critic_) w.add_optimizer(schema::kCriticOptimizer, *optimizers_[vae_count_]);
  w.add_tensor(schema::kLrState, torch::tensor(lr_.state(), torch::kFloat64));
}

void Optimization::load(core::CheckpointReader& r) {
  for (size_t i = 0; i < vae_count_; ++i) r.load_optimizer(schema::optimizer_entry(i), *optimizers_[i]);
  if (has_critic_) r.load_optimizer(schema::kCriticOptimizer, *optimizers_[vae_count_]);
  auto state = r.tensor(schema::kLrState).contiguous();
  lr_.load_state(std::vector<double>(state.data_ptr<double>(), state.data_ptr<double>() + state.numel()));
}

namespace {

LrScheduleOptions lr_options(const core::TrainConfig& t) {
  LrScheduleOptions o;
  o.kind = t.lr.schedule;
  o.decay_rate = t.lr.decay_rate;
  o.decay_steps = t.lr.decay_steps;
  o.gamma = t.lr.gamma;
  o.step_epochs = t.lr.step_epochs;
  o.factor = t.lr.factor;
  o.patience = t.lr.patience;
  o.min_lr = t.lr.min_lr;
  o.total_epochs = t.epochs;
  return o;
}

}  // namespace

TrainingOptimization make_training_optimization(const core::ExperimentConfig& c, models::CrossModalVAE& model,
                                                const std::vector<models::Pair>& pairs) {
  TrainingOptimization out;
  out.optimization = std::make_unique<Optimization>(
      OptimizationOptions{c.train.grad_clip, c.train.amp, lr_options(c.train), c.train.optimizer.lr});
  auto& o = *out.optimization;
  if (c.train.optimizer.shared) {
    const size_t index = o.add_vae_optimizer(make_optimizer(c.train.optimizer, model->vae_parameters()));
    out.pair_optimizer.assign(pairs.size(), index);
  } else {
    for (const auto& p : pairs)
      out.pair_optimizer.push_back(
          o.add_vae_optimizer(make_optimizer(c.train.optimizer, model->pair_parameters(p.from, p.to))));
  }
  if (c.model.discriminator.enabled)
    o.set_critic_optimizer(std::make_unique<torch::optim::Adam>(
        model->discriminator_parameters(), torch::optim::AdamOptions(c.train.gan.lr).betas({0.5, 0.999})));
  return out;
}

}  // namespace hpe3d::train
