#include "hpe3d/train/sweep.h"

#include <gtest/gtest.h>

#include "hpe3d/core/error.h"

namespace hpe3d::train {
namespace {

YAML::Node grid(int rows, int cols, const std::string& extra = "") {
  std::string text = "{train.beta.max: [";
  for (int i = 0; i < rows; ++i) text += (i ? ", " : "") + std::to_string(i);
  text += "], model.latent_dim: [";
  for (int i = 0; i < cols; ++i) text += (i ? ", " : "") + std::to_string(i + 1);
  return YAML::Load(text + "]" + extra + "}");
}

TEST(Sweep, AGridLargerThanMaxRunsIsRefusedWithItsSize) {
  try {
    expand_sweep(grid(199, 200), "s.yaml");
    FAIL() << "39,800 runs accepted";
  } catch (const core::InputError& e) {
    EXPECT_STREQ(e.what(), "s.yaml: sweep: 39800 runs (199 x 200) exceed sweep.max_runs (64): raise max_runs in "
                           "the sweep block to run them all");
  }
  EXPECT_EQ(expand_sweep(grid(8, 8), "s.yaml").size(), 64u);
  EXPECT_THROW(expand_sweep(grid(5, 13), "s.yaml"), core::InputError);
  const auto big = expand_sweep(grid(5, 13, ", max_runs: 65"), "s.yaml");
  ASSERT_EQ(big.size(), 65u);
  EXPECT_EQ(big[0], (std::vector<std::string>{"train.beta.max=0", "model.latent_dim=1"}));
  EXPECT_THROW(expand_sweep(YAML::Load("{max_runs: 0, a.b: [1]}"), "s.yaml"), core::InputError);
  EXPECT_THROW(expand_sweep(YAML::Load("{max_runs: 4}"), "s.yaml"), core::InputError);
}

}  // namespace
}  // namespace hpe3d::train
