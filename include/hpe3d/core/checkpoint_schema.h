#pragma once
// What an h36m-train checkpoint holds, and under which names: the one place
// both the trainer (save, resume) and eval's model loading read them from.
// It lives in core because train and eval both read it and eval must not
// depend on train.
//
// Schema 2 (this version): the sample order of an epoch is recomputed from
// (train.seed, epoch) and is not stored. Schema 1 checkpoints (no "schema"
// entry, the order in "perm") still load for evaluation; resuming one is
// refused, as its remaining order cannot be reproduced.
#include <cstdint>
#include <string>

#include "hpe3d/core/checkpoint.h"

namespace hpe3d::core::checkpoint_schema {

inline constexpr int64_t kVersion = 2;

inline constexpr const char* kSchema = "schema";        // int: kVersion
inline constexpr const char* kModel = "model";          // module: the CrossModalVAE
inline constexpr const char* kConfig = "config";        // string: the resolved config (YAML)
inline constexpr const char* kNorm2dMean = "norm2d_mean";  // [17*2] training statistics
inline constexpr const char* kNorm2dStd = "norm2d_std";
inline constexpr const char* kNorm3dMean = "norm3d_mean";  // [16*3]
inline constexpr const char* kNorm3dStd = "norm3d_std";
inline constexpr const char* kCriticOptimizer = "critic_optimizer";  // VAE-GAN only
inline constexpr const char* kLrState = "lr_state";    // float64 [3]: LrSchedule::state()
// Data-parallel runs only: every rank's default generator, rank r's in row r
// ([world, state bytes] uint8; the CUDA one of the rank's own device), so that
// the same world size resumes each rank's dropout and latent samples exactly.
inline constexpr const char* kRankRngCpu = "rng_cpu_ranks";
inline constexpr const char* kRankRngCuda = "rng_cuda_ranks";

// "optimizer0", "optimizer1", ...: one per optimiser of the VAE.
std::string optimizer_entry(size_t index);

// Where training stands; all of it round-trips.
struct Counters {
  int64_t step = 0;            // steps done in all
  int64_t epoch = 0;           // next epoch to run (0-based)
  int64_t batch_in_epoch = 0;  // next batch of that epoch
  double best_val_mpjpe = 0.0;
  int64_t best_epoch = -1;     // 1-based; -1: none yet
  double seconds = 0.0;        // training time of the sessions so far
};

void write_counters(CheckpointWriter& w, const Counters& counters);
// Throws core::InputError naming the file for a schema 1 (or foreign) checkpoint.
Counters read_counters(CheckpointReader& r);

// The default CPU generator and, for a CUDA run, its device's default CUDA
// generator ("rng_cpu", "rng_cuda"; files before LibTorch 2.x support held
// each visible device's as "rng_cuda<i>"). Restoring skips a CUDA state the
// checkpoint does not hold (a CPU run's file resumed on a GPU).
void write_generator_states(CheckpointWriter& w, torch::Device device);
void restore_generator_states(CheckpointReader& r, torch::Device device);

}  // namespace hpe3d::core::checkpoint_schema
