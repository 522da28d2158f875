#include "hpe3d/data/h36m_actions.h"

#include <gtest/gtest.h>

namespace hpe3d::data {
namespace {

TEST(H36mActions, ParsesSequenceNamesWithSubactionsAndAliases) {
  EXPECT_EQ(h36m_action_names().size(), 15u);
  auto a = parse_h36m_sequence_name("Directions 1");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->action, "Directions");
  EXPECT_EQ(a->subaction, 1);
  EXPECT_EQ(parse_h36m_sequence_name("Directions")->subaction, 0);
  EXPECT_EQ(parse_h36m_sequence_name("TakingPhoto 2")->action, "Photo");
  EXPECT_EQ(parse_h36m_sequence_name("WalkingDog")->action, "WalkDog");
  EXPECT_EQ(parse_h36m_sequence_name("Eating_2")->subaction, 2);
}

TEST(H36mActions, SimilarNamesNeverMatchEachOther) {
  EXPECT_EQ(parse_h36m_sequence_name("Sitting 1")->action, "Sitting");
  EXPECT_EQ(parse_h36m_sequence_name("SittingDown 1")->action, "SittingDown");
  EXPECT_EQ(parse_h36m_sequence_name("Walking")->action, "Walking");
  EXPECT_EQ(parse_h36m_sequence_name("WalkDog 1")->action, "WalkDog");
  EXPECT_EQ(parse_h36m_sequence_name("WalkTogether 2")->action, "WalkTogether");
  EXPECT_FALSE(parse_h36m_sequence_name("_ALL 1"));
  EXPECT_FALSE(parse_h36m_sequence_name("Sit"));
  EXPECT_FALSE(parse_h36m_sequence_name("WalkingTogetherX"));
}

}  // namespace
}  // namespace hpe3d::data
