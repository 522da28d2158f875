#include "hpe3d/train/run_directory.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "test_util.h"

namespace hpe3d::train {
namespace {

namespace fs = std::filesystem;

// A run that fails before its first last.pt leaves no directory behind.
TEST(RunDirectory, AFailedStartLeavesNothing) {
  const auto root = test::temp_dir("run_dir_failed");
  {
    RunDirectory run({root + "/run", true, 1});
    run.log("step", {{"step", 1.0}});
    EXPECT_TRUE(fs::exists(root + "/run/checkpoints"));
    EXPECT_TRUE(fs::exists(root + "/run/train.log"));
  }
  EXPECT_FALSE(fs::exists(root + "/run"));
}

// In a directory given by the user, only what the run created goes.
TEST(RunDirectory, AFailedStartInAnExistingFolderKeepsItsFiles) {
  const auto root = test::temp_dir("run_dir_existing");
  std::ofstream(root + "/notes.txt") << "mine\n";
  { RunDirectory run({root, true, 1}); }
  EXPECT_TRUE(fs::exists(root + "/notes.txt"));
  EXPECT_FALSE(fs::exists(root + "/checkpoints"));
  EXPECT_FALSE(fs::exists(root + "/train.log"));
}

TEST(RunDirectory, ARunWithACheckpointStays) {
  const auto root = test::temp_dir("run_dir_kept");
  {
    RunDirectory run({root + "/run", true, 1});
    core::CheckpointWriter w;
    w.add_int("step", 1);
    run.save_last(w);
  }
  EXPECT_TRUE(fs::exists(root + "/run/checkpoints/last.pt"));
  EXPECT_TRUE(fs::exists(root + "/run/train.log"));
}

// A kill during a save leaves "<file>.tmp": the next start removes it.
TEST(RunDirectory, StaleTemporaryFilesAreRemovedAtStart) {
  const auto root = test::temp_dir("run_dir_tmp");
  fs::create_directories(root + "/run/checkpoints");
  for (const char* f : {"/run/checkpoints/best.pt.tmp", "/run/checkpoints/last.pt.tmp", "/run/config.yaml.tmp"})
    std::ofstream(root + f) << "partial";
  std::ofstream(root + "/run/checkpoints/keep.txt") << "x";
  {
    core::CheckpointWriter w;
    w.add_int("step", 1);
    RunDirectory run({root + "/run", true, 1});
    run.save_last(w);
  }
  EXPECT_FALSE(fs::exists(root + "/run/checkpoints/best.pt.tmp"));
  EXPECT_FALSE(fs::exists(root + "/run/checkpoints/last.pt.tmp"));
  EXPECT_FALSE(fs::exists(root + "/run/config.yaml.tmp"));
  EXPECT_TRUE(fs::exists(root + "/run/checkpoints/keep.txt"));
}

}  // namespace
}  // namespace hpe3d::train
