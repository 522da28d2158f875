#include "hpe3d/models/resnet18_encoder.h"

#include <map>
#include <sstream>

#include <torch/script.h>

#include "hpe3d/core/error.h"
#include "hpe3d/models/init.h"

namespace hpe3d::models {

namespace nn = torch::nn;

namespace {

nn::Conv2dOptions conv(int64_t in, int64_t out, int64_t k, int64_t stride, int64_t pad) {
  return nn::Conv2dOptions(in, out, k).stride(stride).padding(pad).bias(false);
}

nn::Sequential make_layer(int64_t in_planes, int64_t planes, int64_t stride) {
  return nn::Sequential(BasicBlock(in_planes, planes, stride), BasicBlock(planes, planes, 1));
}

std::string shape_str(const torch::Tensor& t) {
  std::ostringstream s;
  s << t.sizes();
  return s.str();
}

// "a, b, c (+N more)"
std::string join_some(const std::vector<std::string>& names, size_t limit = 6) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < limit; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > limit) out += " (+" + std::to_string(names.size() - limit) + " more)";
  return out;
}

}  // namespace

BasicBlockImpl::BasicBlockImpl(int64_t in_planes, int64_t planes, int64_t stride) {
  conv1 = register_module("conv1", nn::Conv2d(conv(in_planes, planes, 3, stride, 1)));
  bn1 = register_module("bn1", nn::BatchNorm2d(planes));
  conv2 = register_module("conv2", nn::Conv2d(conv(planes, planes, 3, 1, 1)));
  bn2 = register_module("bn2", nn::BatchNorm2d(planes));
  if (stride != 1 || in_planes != planes) {
    downsample = register_module(
        "downsample",
        nn::Sequential(nn::Conv2d(conv(in_planes, planes, 1, stride, 0)), nn::BatchNorm2d(planes)));
  }
}

torch::Tensor BasicBlockImpl::forward(const torch::Tensor& x) {
  auto out = torch::relu(bn1(conv1(x)));
  out = bn2(conv2(out));
  auto identity = downsample ? downsample->forward(x) : x;
  return torch::relu(out + identity);
}

ResNet18EncoderImpl::ResNet18EncoderImpl(const ResNet18EncoderOptions& options_)
    : options(options_) {
  TORCH_CHECK(options.latent_dim() > 0, "ResNet18Encoder: latent_dim must be positive");
  TORCH_CHECK(options.input_size() >= 32, "ResNet18Encoder: input_size must be >= 32, got ",
              options.input_size());
  TORCH_CHECK(options.freeze() >= 0 && options.freeze() <= kStages,
              "ResNet18Encoder: freeze must be in [0, 5] (stem, layer1..layer4), got ",
              options.freeze());
  TORCH_CHECK(options.dropout() >= 0.0 && options.dropout() < 1.0,
              "ResNet18Encoder: dropout must be in [0, 1), got ", options.dropout());
  conv1 = register_module("conv1", nn::Conv2d(conv(3, 64, 7, 2, 3)));
  bn1 = register_module("bn1", nn::BatchNorm2d(64));
  maxpool = register_module("maxpool", nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).padding(1)));
  layer1 = register_module("layer1", make_layer(64, 64, 1));
  layer2 = register_module("layer2", make_layer(64, 128, 2));
  layer3 = register_module("layer3", make_layer(128, 256, 2));
  layer4 = register_module("layer4", make_layer(256, 512, 2));
  avgpool = register_module("avgpool", nn::AdaptiveAvgPool2d(1));
  dropout = register_module("dropout", nn::Dropout(options.dropout()));
  fc_mu = register_module("fc_mu", nn::Linear(kFeatureDim, options.latent_dim()));
  fc_logvar = register_module("fc_logvar", nn::Linear(kFeatureDim, options.latent_dim()));
  init_weights(*this);
  init_posterior_heads(fc_mu, fc_logvar);
  for (int64_t s = 0; s < options.freeze(); ++s)
    for (auto& m : stage_modules(s))
      for (auto& p : m->parameters()) p.set_requires_grad(false);
  train(is_training());
}

std::vector<std::shared_ptr<nn::Module>> ResNet18EncoderImpl::stage_modules(int64_t stage) {
  switch (stage) {
    case 0:
      return {conv1.ptr(), bn1.ptr()};
    case 1:
      return {layer1.ptr()};
    case 2:
      return {layer2.ptr()};
    case 3:
      return {layer3.ptr()};
    default:
      return {layer4.ptr()};
  }
}

void ResNet18EncoderImpl::train(bool on) {
  nn::Module::train(on);
  for (int64_t s = 0; s < options.freeze(); ++s)
    for (auto& m : stage_modules(s)) m->eval();
}

torch::Tensor ResNet18EncoderImpl::feature(const torch::Tensor& image) {
  const int64_t s = options.input_size();
  TORCH_CHECK(image.dim() == 4 && image.size(1) == 3 && image.size(2) == s && image.size(3) == s,
              "ResNet18Encoder: expected [B, 3, ", s, ", ", s, "], got ", image.sizes());
  auto x = maxpool(torch::relu(bn1(conv1(image))));
  x = layer4->forward(layer3->forward(layer2->forward(layer1->forward(x))));
  return torch::flatten(avgpool(x), 1);
}

Posterior ResNet18EncoderImpl::forward(const torch::Tensor& image) {
  auto h = dropout(feature(image));
  return {fc_mu(h), fc_logvar(h)};
}

std::vector<std::pair<std::string, torch::Tensor>> ResNet18EncoderImpl::trunk_state() {
  std::vector<std::pair<std::string, torch::Tensor>> state;
  auto keep = [](const std::string& name) {
    return name.rfind("fc_mu.", 0) != 0 && name.rfind("fc_logvar.", 0) != 0;
  };
  for (auto& p : named_parameters(true))
    if (keep(p.key())) state.emplace_back(p.key(), p.value());
  for (auto& b : named_buffers(true))
    if (keep(b.key())) state.emplace_back(b.key(), b.value());
  return state;
}

void ResNet18EncoderImpl::load_pretrained(const std::string& path) {
  torch::jit::script::Module file;
  try {
    file = torch::jit::load(path, torch::kCPU);
  } catch (const c10::Error& e) {
    std::string msg = e.what_without_backtrace();
    core::fail(path, "cannot load as a TorchScript file: " + msg.substr(0, msg.find('\n')));
  }
  std::map<std::string, torch::Tensor> theirs;
  for (const auto& p : file.named_parameters(true))
    if (p.name.rfind("fc.", 0) != 0) theirs[p.name] = p.value;
  for (const auto& b : file.named_buffers(true))
    if (b.name.rfind("fc.", 0) != 0) theirs[b.name] = b.value;

  auto ours = trunk_state();
  std::vector<std::string> missing, unexpected, mismatched;
  std::map<std::string, bool> seen;
  for (auto& [name, tensor] : ours) {
    auto it = theirs.find(name);
    seen[name] = true;
    if (it == theirs.end()) {
      missing.push_back(name);
    } else if (it->second.sizes() != tensor.sizes()) {
      mismatched.push_back(name + " " + shape_str(it->second) + " vs model " + shape_str(tensor));
    }
  }
  for (auto& [name, tensor] : theirs)
    if (!seen.count(name)) unexpected.push_back(name);
  if (!missing.empty() || !unexpected.empty() || !mismatched.empty()) {
    std::string what = "not a torchvision resnet18 state:";
    if (!missing.empty()) what += " missing [" + join_some(missing) + "];";
    if (!unexpected.empty()) what += " unexpected [" + join_some(unexpected) + "];";
    if (!mismatched.empty()) what += " shape mismatch [" + join_some(mismatched) + "];";
    what.pop_back();
    core::fail(path, what);
  }
  torch::NoGradGuard no_grad;
  for (auto& [name, tensor] : ours) tensor.copy_(theirs.at(name));
}

}  // namespace hpe3d::models
