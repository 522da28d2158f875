#pragma once
// Loss terms of the cross-modal VAE (DESIGN.md 1). Reconstruction: MSE for
// poses, L1 for images, averaged over elements. KL(q(z|x) || N(0, I)) is
// summed over the latent, averaged over the batch, and divided by the number
// of elements of one reconstruction (16*3 for a 3D pose, C*H*W for an image),
// so that beta means the same thing for every output modality.
#include <torch/torch.h>

namespace hpe3d::train {

// mu, logvar: [B, Z] -> scalar.
torch::Tensor kl_divergence(const torch::Tensor& mu, const torch::Tensor& logvar,
                            int64_t output_elements);

// prediction, target: same shape -> scalar.
torch::Tensor pose_reconstruction(const torch::Tensor& prediction, const torch::Tensor& target);
torch::Tensor image_reconstruction(const torch::Tensor& prediction, const torch::Tensor& target);

}  // namespace hpe3d::train
