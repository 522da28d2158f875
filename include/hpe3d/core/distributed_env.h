#pragma once
// Which process of a data-parallel job this is, as the launcher says in the
// environment: torchrun (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR,
// MASTER_PORT, TORCHELASTIC_*) or, when RANK is unset, Slurm's srun
// (SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID; MASTER_ADDR and MASTER_PORT
// from the job script). Neither set, or a world of one: one process, no c10d.
#include <functional>
#include <string>

namespace hpe3d::core {

struct DistributedEnv {
  int rank = 0;
  int world = 1;
  int local_rank = 0;           // the process's index on its machine (its GPU)
  std::string master_addr;      // host of the TCPStore (rank 0 or torchrun's agent)
  int master_port = 0;
  bool agent_store = false;     // TORCHELASTIC_USE_AGENT_STORE=True: torchrun's agent hosts the store
  int restart_count = 0;        // TORCHELASTIC_RESTART_COUNT: restarts of the group so far
  std::string launcher = "none";  // none | torchrun | slurm

  bool distributed() const { return world > 1; }
};

// Reads the variables through `getenv` (std::getenv unless a test passes its
// own). Throws core::InputError naming the variable for a malformed or
// inconsistent value (a rank outside the world, a world > 1 without
// MASTER_ADDR / MASTER_PORT).
using GetEnv = std::function<const char*(const char*)>;
DistributedEnv detect_distributed_env(const GetEnv& getenv = {});

}  // namespace hpe3d::core
