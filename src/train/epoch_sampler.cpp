#include "hpe3d/train/epoch_sampler.h"

#include <ATen/CPUGeneratorImpl.h>

#include "hpe3d/core/seed.h"

namespace hpe3d::train {

torch::Tensor EpochSampler::order(int64_t n) const {
  TORCH_CHECK(n >= 1, "EpochSampler: no samples");
  // Its own generator: the order must not depend on how much of the global
  // stream (initialisation, dropout, z samples) earlier epochs consumed.
  auto gen = at::detail::createCPUGenerator(core::batch_seed(seed, epoch, core::kOrderStream));
  return torch::randperm(n, gen, torch::TensorOptions(torch::kLong));
}

torch::Tensor EpochSampler::shard(int64_t n) const {
  TORCH_CHECK(world >= 1 && rank >= 0 && rank < world, "EpochSampler: rank ", rank, " of a world of ", world);
  auto all = order(n);
  return world == 1 ? all : all.slice(0, rank, n, world).contiguous();
}

int64_t EpochSampler::steps(int64_t n, int64_t batch_size) const {
  TORCH_CHECK(batch_size >= 1, "EpochSampler: batch size must be >= 1");
  return std::max<int64_t>(1, (n / world) / batch_size);
}

}  // namespace hpe3d::train
