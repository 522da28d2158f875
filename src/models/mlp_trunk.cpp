#include "hpe3d/models/mlp_trunk.h"

#include "hpe3d/models/bn_relu_dropout.h"
#include "hpe3d/models/sync_batch_norm.h"

namespace hpe3d::models {

torch::Tensor max_norm_weight(const torch::Tensor& weight, double max_norm) {
  if (max_norm <= 0) return weight;
  return weight * (max_norm / weight.norm().clamp_min(max_norm));
}

LinearBlockImpl::LinearBlockImpl(int64_t in, int64_t out, double dropout_p, double max_norm_) : max_norm(max_norm_) {
  TORCH_CHECK(in > 0 && out > 0, "LinearBlock: sizes must be positive, got ", in, " -> ", out);
  TORCH_CHECK(dropout_p >= 0.0 && dropout_p < 1.0, "LinearBlock: dropout must be in [0, 1), got ",
              dropout_p);
  linear = register_module("linear", torch::nn::Linear(in, out));
  bn = register_module("bn", torch::nn::BatchNorm1d(out));
  dropout = register_module("dropout", torch::nn::Dropout(dropout_p));
}

torch::Tensor LinearBlockImpl::forward(const torch::Tensor& x) {
  auto h = max_norm > 0 ? torch::nn::functional::linear(x, max_norm_weight(linear->weight, max_norm), linear->bias)
                        : linear(x);
  if (fused && dropout->is_training() && !batch_norm_synchronised() && bn_relu_dropout_applies(h, *bn))
    return bn_relu_dropout(h, *bn, dropout->options.p());
  return dropout(torch::relu(batch_norm(bn, h)));
}

ResidualBlockImpl::ResidualBlockImpl(int64_t width, double dropout, double max_norm) {
  layer1 = register_module("layer1", LinearBlock(width, width, dropout, max_norm));
  layer2 = register_module("layer2", LinearBlock(width, width, dropout, max_norm));
}

torch::Tensor ResidualBlockImpl::forward(const torch::Tensor& x) { return x + layer2(layer1(x)); }

MlpTrunkImpl::MlpTrunkImpl(const MlpTrunkOptions& options_) : options(options_) {
  TORCH_CHECK(options.blocks() >= 0, "MlpTrunk: blocks must be >= 0, got ", options.blocks());
  TORCH_CHECK(options.max_norm() >= 0, "MlpTrunk: max_norm must be >= 0, got ", options.max_norm());
  input = register_module("input", LinearBlock(options.in_features(), options.hidden(), options.dropout(),
                                               options.max_norm()));
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < options.blocks(); ++i)
    blocks->push_back(ResidualBlock(options.hidden(), options.dropout(), options.max_norm()));
}

torch::Tensor MlpTrunkImpl::forward(const torch::Tensor& x) {
  auto h = input(x);
  for (auto& block : *blocks) h = block->as<ResidualBlock>()->forward(h);
  return h;
}

}  // namespace hpe3d::models
