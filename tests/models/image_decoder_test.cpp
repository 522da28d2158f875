#include "hpe3d/models/image_decoder.h"

#include <gtest/gtest.h>

namespace hpe3d::models {
namespace {

TEST(ImageDecoder, ShapesAndBackwardForEverySize) {
  torch::manual_seed(0);
  for (int64_t size : {64, 128, 256})
    for (int64_t latent : {16, 32}) {
      int64_t batch = size == 256 ? 2 : 3;
      ImageDecoder dec(ImageDecoderOptions(latent).image_size(size));
      // 3, 4, 5 upsampling steps: blocks + the output conv.
      EXPECT_EQ(static_cast<int64_t>(dec->blocks->size()) + 1, size == 64    ? 3
                                                               : size == 128 ? 4
                                                                             : 5);
      auto z = torch::randn({batch, latent}, torch::requires_grad());
      auto img = dec(z);
      ASSERT_EQ(img.sizes(), torch::IntArrayRef({batch, 3, size, size}));
      EXPECT_LE(img.abs().max().item<float>(), 1.0f);  // tanh
      img.mean().backward();
      ASSERT_TRUE(z.grad().defined());
      for (auto& p : dec->named_parameters()) ASSERT_TRUE(p.value().grad().defined()) << p.key();
    }
}

TEST(ImageDecoder, ChannelsHalvePerStep) {
  ImageDecoder dec(ImageDecoderOptions(8).image_size(128));
  auto params = dec->named_parameters();
  EXPECT_EQ(params["blocks.0.conv.weight"].sizes(), torch::IntArrayRef({256, 128, 4, 4}));
  EXPECT_EQ(params["blocks.2.conv.weight"].sizes(), torch::IntArrayRef({64, 32, 4, 4}));
  EXPECT_EQ(params["output.weight"].sizes(), torch::IntArrayRef({32, 3, 4, 4}));
  EXPECT_THROW(ImageDecoder(ImageDecoderOptions(8).image_size(96)), c10::Error);
  EXPECT_THROW(dec(torch::randn({2, 9})), c10::Error);
}

}  // namespace
}  // namespace hpe3d::models
