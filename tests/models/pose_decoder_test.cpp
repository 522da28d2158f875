#include "hpe3d/models/pose_decoder.h"

#include <gtest/gtest.h>

namespace hpe3d::models {
namespace {

TEST(PoseDecoder, ShapesAndBackwardForEveryJointsDimsLatent) {
  torch::manual_seed(0);
  for (int64_t joints : {16, 17})
    for (int64_t dims : {2, 3})
      for (int64_t latent : {8, 32})
        for (int64_t hidden : {64, 512}) {
          PoseDecoder dec(PoseDecoderOptions(latent, joints, dims).hidden(hidden).blocks(1));
          auto z = torch::randn({4, latent}, torch::requires_grad());
          auto y = dec(z);
          ASSERT_EQ(y.sizes(), torch::IntArrayRef({4, joints * dims}));
          y.square().sum().backward();
          ASSERT_TRUE(z.grad().defined());
          for (auto& p : dec->named_parameters())
            ASSERT_TRUE(p.value().grad().defined()) << p.key();
        }
}

TEST(PoseDecoder, DropoutOnlyInTrainMode) {
  torch::manual_seed(1);
  PoseDecoder dec(PoseDecoderOptions(8, 16, 3).hidden(64).dropout(0.5));
  auto z = torch::randn({6, 8});
  EXPECT_FALSE(torch::allclose(dec(z), dec(z)));  // different dropout masks
  dec->eval();
  EXPECT_TRUE(torch::equal(dec(z), dec(z)));
  EXPECT_THROW(dec(torch::randn({6, 9})), c10::Error);
}

}  // namespace
}  // namespace hpe3d::models
