#include "hpe3d/core/optimizer_state.h"

#include <memory>
#include <stdexcept>

namespace hpe3d::core {
namespace {

torch::Tensor on(const torch::Tensor& t, const torch::Device& device) {
  return t.defined() ? t.to(device) : t;
}

// What one optimiser kind stores: its state and options types, and how a
// state's tensors follow their parameter to its device.
template <typename State, typename Options>
struct Kind {
  static std::unique_ptr<torch::optim::OptimizerParamState> state(torch::serialize::InputArchive& a,
                                                                  const torch::Device& device) {
    auto s = std::make_unique<State>();
    s->serialize(a);
    to_device(*s, device);
    return s;
  }
  static std::unique_ptr<torch::optim::OptimizerOptions> options(torch::serialize::InputArchive& a) {
    auto o = std::make_unique<Options>(0.0);
    o->serialize(a);
    return o;
  }
  static void to_device(torch::optim::AdamParamState& s, const torch::Device& d) {
    s.exp_avg(on(s.exp_avg(), d));
    s.exp_avg_sq(on(s.exp_avg_sq(), d));
    s.max_exp_avg_sq(on(s.max_exp_avg_sq(), d));
  }
  static void to_device(torch::optim::AdamWParamState& s, const torch::Device& d) {
    s.exp_avg(on(s.exp_avg(), d));
    s.exp_avg_sq(on(s.exp_avg_sq(), d));
    s.max_exp_avg_sq(on(s.max_exp_avg_sq(), d));
  }
  static void to_device(torch::optim::SGDParamState& s, const torch::Device& d) {
    s.momentum_buffer(on(s.momentum_buffer(), d));
  }
};

template <typename K>
void load(torch::serialize::InputArchive& archive, torch::optim::Optimizer& optimizer) {
  torch::IValue version;
  archive.read("pytorch_version", version);
  if (!version.isString() || version.toStringRef() != "1.5.0")
    throw std::invalid_argument("an optimiser archive of an unknown layout (pytorch_version is not \"1.5.0\")");
  torch::serialize::InputArchive groups_archive, states;
  archive.read("param_groups", groups_archive);
  archive.read("state", states);
  torch::Tensor count;
  groups_archive.read("param_groups/size", count);
  auto& groups = optimizer.param_groups();
  if (count.item<int64_t>() != static_cast<int64_t>(groups.size()))
    throw std::invalid_argument("it has " + std::to_string(count.item<int64_t>()) + " parameter groups, the optimiser " +
                                std::to_string(groups.size()));
  // Read everything first: a mismatch leaves the optimiser as it was.
  std::vector<std::pair<OptimizerStateKey, std::unique_ptr<torch::optim::OptimizerParamState>>> loaded;
  std::vector<std::unique_ptr<torch::optim::OptimizerOptions>> options;
  for (size_t g = 0; g < groups.size(); ++g) {
    torch::serialize::InputArchive group;
    groups_archive.read("param_groups/" + std::to_string(g), group);
    torch::Tensor size;
    group.read("params/size", size);
    const auto& params = groups[g].params();
    if (size.item<int64_t>() != static_cast<int64_t>(params.size()))
      throw std::invalid_argument("its parameter group " + std::to_string(g) + " has " +
                                  std::to_string(size.item<int64_t>()) + " parameters, the optimiser's " +
                                  std::to_string(params.size()));
    for (size_t j = 0; j < params.size(); ++j) {
      torch::IValue key;
      group.read("params/" + std::to_string(j), key);
      torch::serialize::InputArchive state;
      if (!states.try_read(key.toStringRef(), state)) continue;  // no step has touched it yet
      loaded.emplace_back(optimizer_state_key(params[j]), K::state(state, params[j].device()));
    }
    torch::serialize::InputArchive o;
    group.read("options", o);
    options.push_back(K::options(o));
  }
  optimizer.state().clear();
  for (auto& [key, state] : loaded) optimizer.state()[key] = std::move(state);
  for (size_t g = 0; g < groups.size(); ++g) groups[g].set_options(std::move(options[g]));
}

}  // namespace

OptimizerStateKey optimizer_state_key(const torch::Tensor& param) {
#if TORCH_VERSION_MAJOR >= 2
  return param.unsafeGetTensorImpl();
#else
  return c10::guts::to_string(param.unsafeGetTensorImpl());
#endif
}

void load_optimizer_state(torch::serialize::InputArchive& archive, torch::optim::Optimizer& optimizer) {
  // AdamW derives from neither Adam nor SGD in LibTorch: the casts are exclusive.
  if (dynamic_cast<torch::optim::Adam*>(&optimizer))
    load<Kind<torch::optim::AdamParamState, torch::optim::AdamOptions>>(archive, optimizer);
  else if (dynamic_cast<torch::optim::AdamW*>(&optimizer))
    load<Kind<torch::optim::AdamWParamState, torch::optim::AdamWOptions>>(archive, optimizer);
  else if (dynamic_cast<torch::optim::SGD*>(&optimizer))
    load<Kind<torch::optim::SGDParamState, torch::optim::SGDOptions>>(archive, optimizer);
  else
    throw std::invalid_argument("only Adam, AdamW and SGD states are read");
}

}  // namespace hpe3d::core
