#include "hpe3d/core/seed.h"

namespace hpe3d::core {

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Not a hash: a linear map kept because the seeds of earlier runs' batches and
// flips came from it (changing it would change every recorded number).
uint64_t batch_seed(uint64_t seed, int64_t epoch, int64_t batch) {
  return seed * 1000003ull + static_cast<uint64_t>(epoch) * 7919ull * 1000003ull + static_cast<uint64_t>(batch);
}

}  // namespace hpe3d::core
