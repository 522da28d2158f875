#include "hpe3d/train/check_config.h"

#include <gtest/gtest.h>

#include "hpe3d/core/error.h"
#include "test_util.h"

namespace hpe3d::train {
namespace {

std::string error_of(const core::ExperimentConfig& c) {
  try {
    check_config(c, "exp.yaml");
  } catch (const core::InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(CheckConfig, SubjectListsAreNonEmptyAndDisjoint) {
  auto c = test::small_lifting("unused.h5");
  EXPECT_EQ(error_of(c), "no error");
  c.data.train_subjects = {};
  EXPECT_EQ(error_of(c).rfind("exp.yaml: data.train_subjects: is empty", 0), 0u) << error_of(c);
  c = test::small_lifting("unused.h5");
  c.data.test_subjects = {};
  EXPECT_EQ(error_of(c).rfind("exp.yaml: data.test_subjects: is empty", 0), 0u) << error_of(c);
  c = test::small_lifting("unused.h5");
  c.data.train_subjects = {1, 9};
  EXPECT_EQ(error_of(c), "exp.yaml: data.test_subjects: subject 9 is also a training subject (test leakage; set "
                         "data.allow_overlap: true to allow it)");
  c.data.allow_overlap = true;
  EXPECT_EQ(error_of(c), "no error");
}

TEST(CheckConfig, RunNamesArePlainDirectoryNames) {
  auto c = test::small_lifting("unused.h5");
  for (const char* bad : {"a/../../b", "..", "", "x\ny", "/abs"}) {
    c.name = bad;
    EXPECT_NE(error_of(c).find("exp.yaml: name: must be a plain directory name"), std::string::npos) << bad;
    EXPECT_EQ(error_of(c).find('\n'), std::string::npos) << bad;
  }
  c.name = "lift_vae-2.b";
  EXPECT_EQ(error_of(c), "no error");
}

// hidden = 1e6 is inside the key's range, but its weights alone need
// terabytes: refused with the size before anything is allocated.
TEST(CheckConfig, AModelLargerThanTheMachineIsRefusedWithItsSize) {
  auto c = test::small_lifting("unused.h5");
  c.model.pose.hidden = 1000000;
  const auto msg = error_of(c);
  EXPECT_EQ(msg.rfind("exp.yaml: model.pose.hidden: a pose model of hidden width 1000000 needs ", 0), 0u) << msg;
  EXPECT_NE(msg.find(" GB, more than this machine's "), std::string::npos) << msg;
}

}  // namespace
}  // namespace hpe3d::train
