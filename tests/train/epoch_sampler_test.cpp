#include "hpe3d/train/epoch_sampler.h"

#include <gtest/gtest.h>

namespace hpe3d::train {
namespace {

TEST(EpochSampler, OrderIsAPureFunctionOfSeedAndEpoch) {
  const int64_t n = 1000;
  auto a = EpochSampler{7, 3}.order(n);
  torch::manual_seed(123);  // the global stream must not matter
  (void)torch::rand({100});
  auto b = EpochSampler{7, 3}.order(n);
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_TRUE(torch::equal(std::get<0>(a.sort()), torch::arange(n, torch::kLong)));  // a permutation
  EXPECT_FALSE(torch::equal(a, torch::arange(n, torch::kLong)));                     // and shuffled
  EXPECT_FALSE(torch::equal(a, EpochSampler{7, 4}.order(n)));  // another epoch
  EXPECT_FALSE(torch::equal(a, EpochSampler{8, 3}.order(n)));  // another seed
}

// The shards of a 2- and a 3-rank world partition the epoch exactly: every
// sample once, in one shard, n not divisible by the world included.
TEST(EpochSampler, ShardsOfTwoAndThreeRanksPartitionTheEpoch) {
  for (int world : {2, 3}) {
    for (int64_t n : {12, 13, 14}) {
      std::vector<torch::Tensor> shards;
      for (int rank = 0; rank < world; ++rank) shards.push_back(EpochSampler{5, 2, rank, world}.shard(n));
      auto all = torch::cat(shards);
      ASSERT_EQ(all.numel(), n) << "world " << world << ", n " << n;
      EXPECT_TRUE(torch::equal(std::get<0>(all.sort()), torch::arange(n, torch::kLong))) << "world " << world;
      // A stride over the one order: shard r holds order[r], order[r + world], ...
      auto order = EpochSampler{5, 2}.order(n);
      for (int rank = 0; rank < world; ++rank) {
        EXPECT_EQ(shards[rank].numel(), (n - rank + world - 1) / world);
        EXPECT_EQ(shards[rank][0].item<int64_t>(), order[rank].item<int64_t>());
        if (shards[rank].numel() > 1) EXPECT_EQ(shards[rank][1].item<int64_t>(), order[rank + world].item<int64_t>());
      }
    }
  }
  EXPECT_TRUE(torch::equal(EpochSampler{5, 2, 0, 1}.shard(13), EpochSampler{5, 2}.order(13)));
}

TEST(EpochSampler, EveryRankRunsTheStepsOfTheSmallestShard) {
  EXPECT_EQ((EpochSampler{0, 0, 0, 1}.steps(80, 16)), 5);
  EXPECT_EQ((EpochSampler{0, 0, 1, 3}.steps(100, 16)), 2);  // shards of 34, 33, 33 samples
  EXPECT_EQ((EpochSampler{0, 0, 0, 3}.steps(100, 16)), 2);
  EXPECT_EQ((EpochSampler{0, 0, 0, 1}.steps(10, 16)), 1);   // at least one
  EXPECT_THROW((EpochSampler{0, 0, 3, 3}.shard(10)), c10::Error);
}

}  // namespace
}  // namespace hpe3d::train
