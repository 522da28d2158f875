#include "hpe3d/train/losses.h"

namespace hpe3d::train {

torch::Tensor kl_divergence(const torch::Tensor& mu, const torch::Tensor& logvar,
                            int64_t output_elements) {
  TORCH_CHECK(mu.dim() == 2 && mu.sizes() == logvar.sizes(), "kl_divergence: mu ", mu.sizes(),
              " and logvar ", logvar.sizes(), " must both be [B, Z]");
  TORCH_CHECK(output_elements > 0, "kl_divergence: output_elements must be > 0");
  auto kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1);  // [B]
  return kl.mean() / static_cast<double>(output_elements);
}

torch::Tensor pose_reconstruction(const torch::Tensor& prediction, const torch::Tensor& target) {
  TORCH_CHECK(prediction.sizes() == target.sizes(), "pose_reconstruction: ", prediction.sizes(),
              " vs ", target.sizes());
  return torch::mse_loss(prediction, target);
}

torch::Tensor image_reconstruction(const torch::Tensor& prediction, const torch::Tensor& target) {
  TORCH_CHECK(prediction.sizes() == target.sizes(), "image_reconstruction: ", prediction.sizes(),
              " vs ", target.sizes());
  return torch::l1_loss(prediction, target);
}

}  // namespace hpe3d::train
