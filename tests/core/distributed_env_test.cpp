#include "hpe3d/core/distributed_env.h"

#include <map>
#include <string>

#include <gtest/gtest.h>

#include "hpe3d/core/error.h"

namespace hpe3d::core {
namespace {

DistributedEnv detect(const std::map<std::string, std::string>& vars) {
  return detect_distributed_env([&](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  });
}

TEST(DistributedEnv, NoLauncherIsOneProcess) {
  auto e = detect({});
  EXPECT_FALSE(e.distributed());
  EXPECT_EQ(e.rank, 0);
  EXPECT_EQ(e.world, 1);
  EXPECT_EQ(e.launcher, "none");
}

TEST(DistributedEnv, ReadsTorchrunsVariables) {
  auto e = detect({{"RANK", "3"}, {"WORLD_SIZE", "4"}, {"LOCAL_RANK", "1"}, {"MASTER_ADDR", "node7"},
                   {"MASTER_PORT", "29400"}, {"TORCHELASTIC_RUN_ID", "x"}, {"TORCHELASTIC_RESTART_COUNT", "2"},
                   {"TORCHELASTIC_USE_AGENT_STORE", "True"}});
  EXPECT_TRUE(e.distributed());
  EXPECT_EQ(e.rank, 3);
  EXPECT_EQ(e.world, 4);
  EXPECT_EQ(e.local_rank, 1);
  EXPECT_EQ(e.master_addr, "node7");
  EXPECT_EQ(e.master_port, 29400);
  EXPECT_EQ(e.restart_count, 2);
  EXPECT_TRUE(e.agent_store);
  EXPECT_EQ(e.launcher, "torchrun");
}

TEST(DistributedEnv, FallsBackToSlurmAndPrefersTorchrun) {
  auto e = detect({{"SLURM_PROCID", "1"}, {"SLURM_NTASKS", "2"}, {"SLURM_LOCALID", "1"}, {"MASTER_ADDR", "n1"},
                   {"MASTER_PORT", "1234"}});
  EXPECT_EQ(e.launcher, "slurm");
  EXPECT_EQ(e.rank, 1);
  EXPECT_EQ(e.world, 2);
  EXPECT_EQ(e.local_rank, 1);
  EXPECT_FALSE(e.agent_store);
  // torchrun inside a Slurm allocation: its variables win.
  auto t = detect({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "1"}, {"RANK", "1"}, {"WORLD_SIZE", "2"},
                   {"MASTER_ADDR", "n1"}, {"MASTER_PORT", "1234"}});
  EXPECT_EQ(t.rank, 1);
  EXPECT_EQ(t.world, 2);
  // One Slurm task: no c10d, and no MASTER_ADDR needed.
  EXPECT_FALSE(detect({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "1"}}).distributed());
}

TEST(DistributedEnv, BadValuesNameTheVariable) {
  auto message = [](const std::map<std::string, std::string>& vars) {
    try {
      detect(vars);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message({{"RANK", "2"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "a"}, {"MASTER_PORT", "1"}}).rfind("RANK:", 0),
            0u);
  EXPECT_EQ(message({{"RANK", "0"}, {"WORLD_SIZE", "two"}}).rfind("WORLD_SIZE:", 0), 0u);
  EXPECT_EQ(message({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_PORT", "1"}}).rfind("MASTER_ADDR:", 0), 0u);
  EXPECT_EQ(message({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "a"}}).rfind("MASTER_PORT:", 0), 0u);
  EXPECT_EQ(message({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "a"}, {"MASTER_PORT", "70000"}})
                .rfind("MASTER_PORT:", 0),
            0u);
  EXPECT_EQ(message({{"SLURM_PROCID", "4"}, {"SLURM_NTASKS", "2"}}).rfind("SLURM_PROCID:", 0), 0u);
}

}  // namespace
}  // namespace hpe3d::core
