#pragma once
// The model part of an experiment config: plain typed fields with their
// defaults. models::make_model maps it to the networks' options structs; the
// strict YAML loader (a later issue) fills it. See docs/models.md.
#include <cstdint>
#include <string>
#include <vector>

namespace hpe3d::core {

// Martinez et al. 2017 MLP (pose encoders and decoders).
struct PoseNetConfig {
  int64_t hidden = 1024;  // width of every hidden layer (512 or 1024)
  int64_t blocks = 2;     // residual blocks of two Linear-BN-ReLU-Dropout layers
  double dropout = 0.5;   // Martinez et al. use 0.5
  double max_norm = 0.0;  // kind martinez: > 0 clips every weight matrix to this norm (their code: 1)
};

// ResNet-18 image encoder.
struct RgbEncoderConfig {
  int64_t freeze = 0;      // leading stages frozen: 0 none .. 5 (stem, layer1..layer4)
  std::string pretrained;  // TorchScript torchvision resnet18 file; "" = random init
  double dropout = 0.0;    // on the pooled 512-d feature
};

// Optional VAE-GAN discriminator on one decoded modality.
struct DiscriminatorConfig {
  bool enabled = false;
  std::string modality = "rgb";  // decoded modality judged: "rgb", "pose3d" or "pose2d"
  std::string kind = "bce";      // trainer's loss: "bce" or "wgan_gp" (logits either way)
  bool spectral_norm = false;    // spectral-normalised layers, no batch norm
  int64_t feature_layer = 3;     // 1-based hidden layer giving the learned-similarity feature
  int64_t hidden = 512;          // pose discriminator width
  int64_t layers = 3;            // pose discriminator hidden layers
};

struct ModelConfig {
  std::string kind = "vae";  // "vae" (cross-modal VAE) or "martinez" (2D->3D regressor, no latent)
  int64_t latent_dim = 32;   // shared latent z
  int64_t joints_2d = 17;    // 2D pose input, pixels (normalised): 17, or 16 without Neck/Nose
  int64_t joints_3d = 16;   // 3D pose: root-relative, root dropped
  int64_t image_size = 64;  // RGB crop side: 64, 128 or 256
  std::vector<std::string> encoders = {"pose2d"};  // of "pose2d", "pose3d", "rgb"
  std::vector<std::string> decoders = {"pose3d"};  // of "pose2d", "pose3d", "rgb"
  PoseNetConfig pose;
  RgbEncoderConfig rgb_encoder;
  DiscriminatorConfig discriminator;
};

}  // namespace hpe3d::core
