#pragma once
// The experiment config: every key of an hpe3d YAML file, with its type,
// default and meaning declared once (docs/configuration.md is generated from
// these declarations by `h36m-train --print-config-reference`).
#include <map>
#include <string>
#include <vector>

#include "hpe3d/core/config_fields.h"
#include "hpe3d/core/model_config.h"

namespace hpe3d::core {

// The model section: ModelConfig and its parts are plain structs
// (model_config.h); their keys are declared here.
template <class V>
void visit_config(V& v, PoseNetConfig& c) {
  v.field("hidden", c.hidden, "hidden width of the pose MLPs (Martinez: 1024)", Range{1, 1e6});
  v.field("blocks", c.blocks, "residual blocks of the pose MLPs", Range{0, 100});
  v.field("dropout", c.dropout, "dropout probability of the pose MLPs", Range{0, 0.99});
  v.field("max_norm", c.max_norm,
          "martinez: clip every weight matrix to this norm in the forward pass (0: off; Martinez et al.'s code: 1)",
          Range{0, 1e6});
}

template <class V>
void visit_config(V& v, RgbEncoderConfig& c) {
  v.field("freeze", c.freeze, "leading ResNet-18 stages frozen (0 none .. 5 all)", Range{0, 5});
  v.field("pretrained", c.pretrained, "TorchScript torchvision resnet18 file (\"\": random init)");
  v.field("dropout", c.dropout, "dropout on the pooled feature", Range{0, 0.99});
}

template <class V>
void visit_config(V& v, DiscriminatorConfig& c) {
  v.field("enabled", c.enabled, "VAE-GAN: train a discriminator on the decoded modality");
  v.field("modality", c.modality, "decoded modality it judges", Choices{"rgb", "pose3d", "pose2d"});
  v.field("kind", c.kind, "critic loss (wgan_gp: the critic has no batch norm)", Choices{"bce", "wgan_gp"});
  v.field("spectral_norm", c.spectral_norm, "spectral-normalised layers (no batch norm)");
  v.field("feature_layer", c.feature_layer, "layer l whose features give the learned-similarity loss",
          Range{1, 100});
  v.field("hidden", c.hidden, "pose discriminator width", Range{1, 1e6});
  v.field("layers", c.layers, "pose discriminator hidden layers", Range{1, 100});
}

template <class V>
void visit_config(V& v, ModelConfig& c) {
  v.field("kind", c.kind,
          "vae: the cross-modal VAE; martinez: Martinez et al.'s 2D->3D regressor, no latent "
          "(pose2d->pose3d only, train.objective: regression)",
          Choices{"vae", "martinez"});
  v.field("latent_dim", c.latent_dim, "size of the shared latent z (vae)", Range{1, 1e6});
  v.field("joints_2d", c.joints_2d, "2D input joints: 17, or 16 without Neck/Nose (Martinez et al.)", Range{16, 17});
  v.field("joints_3d", c.joints_3d, "3D output joints (16: root-relative, root dropped)", Range{16, 17});
  v.field("image_size", c.image_size, "RGB crop side in px (64, 128, 256)", Range{64, 256});
  v.field("encoders", c.encoders, "modalities with an encoder (pose2d, pose3d, rgb)");
  v.field("decoders", c.decoders, "modalities with a decoder (pose2d, pose3d, rgb)");
  v.section("pose", c.pose);
  v.section("rgb_encoder", c.rgb_encoder);
  v.section("discriminator", c.discriminator);
}

struct ImagesConfig {
  std::string root;
  std::string cache;
  int workers = 2;
  int queue = 4;
  std::string missing = "error";
  double scale_jitter = 0.1;
  double shift_jitter = 0.05;
  double colour_jitter = 0.2;
  template <class V>
  void visit(V& v) {
    v.field("root", root, "image root: the pose file's /image paths are relative to it");
    v.field("cache", cache, "crop cache of h36m-prepare cache-crops (\"\": decode the frames every epoch)");
    v.field("workers", workers, "image decoding threads", Range{1, 256});
    v.field("queue", queue, "batches decoded ahead of the training step", Range{1, 1024});
    v.field("missing", missing, "missing or unreadable image: error (stop, naming it) or skip (count, drop)",
            Choices{"error", "skip"});
    v.field("scale_jitter", scale_jitter, "training crops: zoom in [1 - s, 1 + s]", Range{0, 0.5});
    v.field("shift_jitter", shift_jitter, "training crops: shift in [-s, s] of the side", Range{0, 0.5});
    v.field("colour_jitter", colour_jitter, "training crops: brightness/contrast/saturation in [1 - c, 1 + c]",
            Range{0, 1});
  }
};

struct DataConfig {
  std::string file = "data/cmu_mocap.h5";
  std::vector<int> train_subjects{1, 5, 6, 7, 8};
  std::vector<int> test_subjects{9, 11};
  int train_stride = 1;
  int test_stride = 1;
  bool allow_overlap = false;
  bool root_centre_2d = false;
  bool flip = false;
  std::string input_2d = "gt";
  ImagesConfig images;
  template <class V>
  void visit(V& v) {
    v.field("file", file, "pose file (relative paths: from the working directory)");
    v.field("train_subjects", train_subjects, "subjects of the training split");
    v.field("test_subjects", test_subjects, "subjects of the validation/test split");
    v.field("allow_overlap", allow_overlap,
            "let train_subjects and test_subjects share subjects (false: an overlap is an error: test leakage)");
    v.field("train_stride", train_stride, "keep every N-th training frame", Range{1, 1e6});
    v.field("test_stride", test_stride, "keep every N-th test frame", Range{1, 1e6});
    v.field("root_centre_2d", root_centre_2d, "subtract the 2D root from the 2D input");
    v.field("flip", flip, "random left/right flips of training batches (2D and 3D together)");
    v.field("input_2d", input_2d,
            "2D input of training and evaluation: gt (/pose2d) or det/<name> (/pose2d_det/<name>, e.g. det/cpn)");
    v.section("images", images);
  }
};

struct BetaConfig {
  std::string schedule = "constant";
  double max = 1e-3;
  double warmup_epochs = 10;
  int cycles = 4;
  double ratio = 0.5;
  template <class V>
  void visit(V& v) {
    v.field("schedule", schedule, "KL weight schedule", Choices{"constant", "linear", "cyclical"});
    v.field("max", max, "beta (largest value of the schedule)", Range{0, 1e6});
    v.field("warmup_epochs", warmup_epochs, "linear: epochs from 0 to max", Range{1e-9, 1e9});
    v.field("cycles", cycles, "cyclical: number of cycles", Range{1, 1e6});
    v.field("ratio", ratio, "cyclical: share of a cycle spent rising", Range{1e-9, 1});
  }
};

struct OptimizerConfig {
  std::string kind = "adam";
  double lr = 1e-3;
  double weight_decay = 0.0;
  double momentum = 0.9;
  bool shared = true;
  template <class V>
  void visit(V& v) {
    v.field("kind", kind, "optimiser", Choices{"adam", "adamw", "sgd"});
    v.field("lr", lr, "initial learning rate", Range{1e-12, 10});
    v.field("weight_decay", weight_decay, "weight decay", Range{0, 1});
    v.field("momentum", momentum, "sgd momentum", Range{0, 1});
    v.field("shared", shared, "one optimiser for all pairs (false: one per pair)");
  }
};

struct LrConfig {
  std::string schedule = "exponential";
  double decay_rate = 0.96;
  double decay_steps = 100000;
  double gamma = 0.1;
  int step_epochs = 30;
  double factor = 0.5;
  int patience = 5;
  double min_lr = 0.0;
  template <class V>
  void visit(V& v) {
    v.field("schedule", schedule, "learning-rate schedule",
            Choices{"constant", "exponential", "step", "plateau", "cosine"});
    v.field("decay_rate", decay_rate, "exponential: factor per decay_steps", Range{0, 1});
    v.field("decay_steps", decay_steps, "exponential: steps per decay_rate", Range{1, 1e12});
    v.field("gamma", gamma, "step: factor every step_epochs", Range{0, 1});
    v.field("step_epochs", step_epochs, "step: epochs between reductions", Range{1, 1e6});
    v.field("factor", factor, "plateau: factor on a plateau", Range{0, 1});
    v.field("patience", patience, "plateau: epochs without improvement", Range{1, 1e6});
    v.field("min_lr", min_lr, "cosine/plateau: lower bound", Range{0, 10});
  }
};

struct GanConfig {
  double gamma = 1.0;
  int critic_steps = 1;
  double gp_weight = 10.0;
  double lr = 1e-4;
  template <class V>
  void visit(V& v) {
    v.field("gamma", gamma, "VAE-GAN: weight of the Dis_l reconstruction against the GAN term (decoder)",
            Range{0, 1e9});
    v.field("critic_steps", critic_steps, "VAE-GAN: discriminator updates per generator update", Range{1, 100});
    v.field("gp_weight", gp_weight, "VAE-GAN, wgan_gp: gradient-penalty weight", Range{0, 1e6});
    v.field("lr", lr, "VAE-GAN: discriminator learning rate (Adam)", Range{1e-12, 10});
  }
};

struct TrainConfig {
  int epochs = 10;
  int batch_size = 256;
  std::vector<std::string> pairs{"pose2d->pose3d"};
  std::string schedule = "per_batch";
  std::string objective = "vae";
  double grad_clip = 0.0;
  bool sample_latent = true;
  bool amp = false;
  int log_every = 100;
  int keep_last = 1;
  uint64_t seed = 0;
  BetaConfig beta;
  OptimizerConfig optimizer;
  LrConfig lr;
  GanConfig gan;
  template <class V>
  void visit(V& v) {
    v.field("epochs", epochs, "training epochs", Range{1, 1e6});
    v.field("batch_size", batch_size, "samples per step", Range{1, 1e7});
    v.field("pairs", pairs, "encoder->decoder pairs trained (pose2d|pose3d|rgb -> pose2d|pose3d|rgb)");
    v.field("schedule", schedule, "per_batch: every pair every batch; per_epoch: one pair per epoch in turn",
            Choices{"per_batch", "per_epoch"});
    v.field("objective", objective,
            "vae: recon + beta KL (VAE-GAN on a decoder with a discriminator); regression: MSE of the decode of "
            "the mean of z, no KL (deterministic baselines)",
            Choices{"vae", "regression"});
    v.field("grad_clip", grad_clip, "max gradient norm (0: off)", Range{0, 1e9});
    v.field("sample_latent", sample_latent,
            "decode a sample of q(z|x) in training (false: decode the mean, a deterministic autoencoder)");
    v.field("amp", amp, "CUDA mixed precision (autocast to bfloat16, no loss scaling needed)");
    v.field("log_every", log_every, "steps between loss read-backs and metrics.jsonl records", Range{1, 1e9});
    v.field("keep_last", keep_last, "epoch checkpoints kept besides last.pt and best.pt", Range{0, 1e6});
    v.field("seed", seed, "seed of initialisation, sampling and augmentation");
    v.section("beta", beta);
    v.section("optimizer", optimizer);
    v.section("lr", lr);
    v.section("gan", gan);
  }
};

struct EvalConfig {
  std::string pair = "pose2d->pose3d";
  int joints = 17;
  int batch_size = 4096;
  template <class V>
  void visit(V& v) {
    v.field("pair", pair, "pair whose MPJPE selects best.pt");
    v.field("joints", joints, "joints in the MPJPE denominator (17: root included)", Range{16, 17});
    v.field("batch_size", batch_size, "evaluation batch size", Range{1, 1e7});
  }
};

// Data-parallel training (docs/distributed.md). Used only when the launcher
// (torchrun, srun) starts more than one process; one process ignores it.
struct DistributedConfig {
  std::string backend = "auto";
  double timeout = 300.0;
  double bucket_mb = 25.0;
  bool sync_bn = false;
  template <class V>
  void visit(V& v) {
    v.field("backend", backend, "c10d backend: auto (nccl on CUDA, gloo on CPU) | gloo | nccl",
            Choices{"auto", "gloo", "nccl"});
    v.field("timeout", timeout, "seconds a collective waits for a missing or dead rank before the job fails",
            Range{1, 1e6});
    v.field("bucket_mb", bucket_mb, "size of one gradient all-reduce bucket (MB)", Range{0.01, 1e4});
    v.field("sync_bn", sync_bn,
            "BatchNorm of the pose networks with the global batch's statistics (false: each rank's own, rank 0's "
            "running statistics broadcast)");
  }
};

// Switches of CUDA's libraries (core/cuda_settings.h); ignored on the CPU.
struct CudaConfig {
  bool tf32 = false;
  bool cudnn_benchmark = true;
  bool deterministic = false;
  template <class V>
  void visit(V& v) {
    v.field("tf32", tf32,
            "TensorFloat-32 for float32 matmuls and convolutions on Ampere and newer GPUs (faster, ~1e-3 relative "
            "error; PyTorch's default: off for matmuls)");
    v.field("cudnn_benchmark", cudnn_benchmark,
            "cuDNN tries its convolution algorithms once per input shape and keeps the fastest (fixed crop sizes)");
    v.field("deterministic", deterministic,
            "deterministic CUDA algorithms only (cuDNN, cuBLAS workspace; slower): bit-identical GPU reruns");
  }
};

struct RuntimeConfig {
  std::string device = "auto";
  int threads = 0;
  std::string blas_core = "auto";
  DistributedConfig distributed;
  CudaConfig cuda;
  template <class V>
  void visit(V& v) {
    v.field("device", device, "auto | cpu | cuda", Choices{"auto", "cpu", "cuda"});
    v.field("threads", threads, "CPU threads (0 or more than the cores: all cores; split between BLAS and torch per model)",
            Range{0, 4096});
    v.field("blas_core", blas_core,
            "OpenBLAS kernels: auto (the best the CPU runs: a tool executes itself again once with "
            "OPENBLAS_CORETYPE if OpenBLAS chose weaker ones), keep, or a core name; HPE3D_BLAS_CORE overrides",
            Choices{"auto", "keep", "Prescott", "Nehalem", "Sandybridge", "Haswell", "Zen", "SkylakeX", "Cooperlake",
                    "SapphireRapids"});
    v.section("distributed", distributed);
    v.section("cuda", cuda);
  }
};

// The whole experiment: one YAML file. A `sweep:` block (key.path -> list of
// values) beside these sections is expanded by train::run_sweep.
struct ExperimentConfig {
  std::string name = "experiment";
  DataConfig data;
  ModelConfig model;
  TrainConfig train;
  EvalConfig eval;
  RuntimeConfig runtime;
  template <class V>
  void visit(V& v) {
    v.field("name", name, "run name: the run directory is runs/<name> unless --output is given");
    v.section("data", data);
    v.section("model", model);
    v.section("train", train);
    v.section("eval", eval);
    v.section("runtime", runtime);
  }
};

}  // namespace hpe3d::core
