#include "hpe3d/core/distributed_env.h"

#include <cstdlib>

#include "hpe3d/core/error.h"

namespace hpe3d::core {
namespace {

int integer(const GetEnv& getenv, const char* name, int fallback, int min, int max) {
  const char* text = getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (*end != '\0' || v < min || v > max)
    fail(name, "expected an integer in " + std::to_string(min) + " .. " + std::to_string(max) + ", got \"" +
                   text + "\"");
  return static_cast<int>(v);
}

}  // namespace

DistributedEnv detect_distributed_env(const GetEnv& env) {
  const GetEnv getenv = env ? env : GetEnv([](const char* name) { return std::getenv(name); });
  DistributedEnv e;
  constexpr int kMax = 1 << 20;
  if (getenv("RANK") != nullptr || getenv("WORLD_SIZE") != nullptr) {
    e.launcher = getenv("TORCHELASTIC_RUN_ID") != nullptr ? "torchrun" : "env";
    e.world = integer(getenv, "WORLD_SIZE", 1, 1, kMax);
    e.rank = integer(getenv, "RANK", 0, 0, kMax);
    e.local_rank = integer(getenv, "LOCAL_RANK", 0, 0, kMax);
  } else if (getenv("SLURM_PROCID") != nullptr) {
    e.launcher = "slurm";
    e.world = integer(getenv, "SLURM_NTASKS", 1, 1, kMax);
    e.rank = integer(getenv, "SLURM_PROCID", 0, 0, kMax);
    e.local_rank = integer(getenv, "SLURM_LOCALID", 0, 0, kMax);
  }
  if (e.rank >= e.world)
    fail(e.launcher == "slurm" ? "SLURM_PROCID" : "RANK",
         std::to_string(e.rank) + " is not below the world size " + std::to_string(e.world));
  e.restart_count = integer(getenv, "TORCHELASTIC_RESTART_COUNT", 0, 0, kMax);
  const char* agent = getenv("TORCHELASTIC_USE_AGENT_STORE");
  e.agent_store = agent != nullptr && std::string(agent) == "True";
  if (!e.distributed()) return e;
  const char* addr = getenv("MASTER_ADDR");
  if (addr == nullptr || *addr == '\0')
    fail("MASTER_ADDR", "not set, but " + std::to_string(e.world) +
                            " processes were launched (set MASTER_ADDR and MASTER_PORT to rank 0's host and a free port)");
  e.master_addr = addr;
  e.master_port = integer(getenv, "MASTER_PORT", -1, 1, 65535);
  if (e.master_port < 0) fail("MASTER_PORT", "not set, but " + std::to_string(e.world) + " processes were launched");
  return e;
}

}  // namespace hpe3d::core
