#include "hpe3d/core/error.h"

#include <gtest/gtest.h>

namespace hpe3d::core {
namespace {

TEST(Error, QuoteEscapesAndCutsRawBytes) {
  EXPECT_EQ(quote("a\nb\t\"c\"\\"), "\"a\\nb\\t\\\"c\\\"\\\\\"");
  EXPECT_EQ(quote(std::string(100, 'x'), 80), "\"" + std::string(80, 'x') + "\"...");
  EXPECT_EQ(quote(std::string_view("\xff\x00", 2), 80), "\"\\xff\\x00\"");
  EXPECT_EQ(one_line("a\nb\rc é"), "a\\nb\\rc é");
}

TEST(Error, FailMakesEveryMessageOneLine) {
  try {
    fail("file.bvh", "got \"a\nb\"");
    FAIL() << "no throw";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "file.bvh: got \"a\\nb\"");
  }
}

TEST(Error, AllocationsLargerThanTheMachineAreRefusedWithTheirSize) {
  EXPECT_NO_THROW(check_allocation("x", 1e6, "a small tensor"));
  try {
    check_allocation("model.pose.hidden", 4e15, "a pose model");
    FAIL() << "no throw";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("model.pose.hidden: a pose model needs 4000000.0 GB, more than this machine's ", 0), 0u)
        << e.what();
  }
}

}  // namespace
}  // namespace hpe3d::core
