#include "hpe3d/train/data_parallel.h"

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>  // fmt::join (fmt 11 moved it here)

#include "hpe3d/core/checkpoint_schema.h"
#include "hpe3d/core/logging.h"
#include "hpe3d/train/trainer.h"

namespace hpe3d::train {
namespace {

namespace schema = core::checkpoint_schema;

std::vector<torch::Tensor> buffers_of(torch::nn::Module& module) {
  std::vector<torch::Tensor> out;
  for (auto& b : module.buffers()) out.push_back(b);
  return out;
}

// An exact fingerprint of a tensor's bits: two sums of its elements' bit
// patterns as integers, the second weighted by position (catches swaps).
std::pair<int64_t, int64_t> fingerprint(const torch::Tensor& t) {
  auto c = t.detach().contiguous().cpu().reshape({-1});
  torch::Tensor bits;
  switch (c.element_size()) {
    case 8: bits = c.view(torch::kInt64); break;
    case 4: bits = c.view(torch::kInt32).to(torch::kInt64); break;
    case 2: bits = c.view(torch::kInt16).to(torch::kInt64); break;
    default: bits = c.to(torch::kInt64); break;
  }
  auto weights = torch::arange(bits.numel(), torch::kInt64).remainder(1021) + 1;
  return {bits.sum().item<int64_t>(), (bits * weights).sum().item<int64_t>()};
}

torch::Tensor cpu_generator_state() {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  return gen.get_state();
}

}  // namespace

DataParallel::DataParallel(std::shared_ptr<core::ProcessGroup> group, DataParallelOptions options)
    : group_(std::move(group)), options_(options) {
  TORCH_CHECK(group_ != nullptr, "DataParallel: no process group");
}

void DataParallel::broadcast_module(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> tensors;
  for (auto& p : module.parameters()) tensors.push_back(p.data());
  group_->broadcast(tensors);
  broadcast_buffers(module);
}

void DataParallel::broadcast_buffers(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  auto buffers = buffers_of(module);
  group_->broadcast(buffers);
}

void DataParallel::mark_nonfinite(std::string where, std::string last_pt) {
  nonfinite_ = true;
  nonfinite_where_ = std::move(where);
  last_pt_ = std::move(last_pt);
}

void DataParallel::average_gradients(const std::vector<torch::Tensor>& params) {
  if (params.empty()) return;
  const int64_t n = static_cast<int64_t>(params.size());
  const int w = world();
  // Header: [n] who has a gradient, then [world] who saw a non-finite loss.
  auto header = torch::zeros({n + w}, torch::kFloat32);
  auto h = header.accessor<float, 1>();
  for (int64_t i = 0; i < n; ++i) h[i] = params[i].grad().defined() ? 1.0f : 0.0f;
  h[n + rank()] = nonfinite_ ? 1.0f : 0.0f;
  nonfinite_ = false;
  group_->all_reduce_sum(header);  // on the backend's device and back
  std::vector<std::string> bad;
  for (int r = 0; r < w; ++r)
    if (h[n + r] > 0) bad.push_back(std::to_string(r));
  if (!bad.empty())
    throw NonFiniteLoss(fmt::format("non-finite loss at {} on rank {}; last good state is {}", nonfinite_where_,
                                    fmt::join(bad, ","), last_pt_));

  const int64_t bucket_bytes = std::max<int64_t>(1, static_cast<int64_t>(options_.bucket_mb * 1024 * 1024));
  std::vector<int64_t> bucket;
  int64_t bytes = 0;
  auto flush = [&] {
    if (bucket.empty()) return;
    std::vector<torch::Tensor> flat;
    for (int64_t i : bucket) {
      const auto& p = params[i];
      flat.push_back(p.grad().defined() ? p.grad().reshape({-1}) : torch::zeros({p.numel()}, p.options()));
    }
    auto buffer = torch::cat(flat);
    group_->all_reduce_sum(buffer);
    buffer.div_(static_cast<double>(w));
    int64_t offset = 0;
    for (int64_t i : bucket) {
      auto param = params[i];  // a handle to the same parameter
      // Copied, not views of the bucket: an optimiser may detach_() its gradients (zero_grad).
      auto averaged = buffer.narrow(0, offset, param.numel()).view_as(param);
      if (param.grad().defined()) param.mutable_grad().copy_(averaged);
      else param.mutable_grad() = averaged.clone();
      offset += param.numel();
    }
    bucket.clear();
    bytes = 0;
  };
  // Reverse registration order: the order backward produces them, as DDP buckets.
  for (int64_t i = n - 1; i >= 0; --i) {
    if (h[i] == 0.0f) continue;  // no rank reached it: it keeps no gradient
    if (!bucket.empty() && params[i].scalar_type() != params[bucket.front()].scalar_type()) flush();
    bucket.push_back(i);
    bytes += params[i].numel() * static_cast<int64_t>(params[i].element_size());
    if (bytes >= bucket_bytes) flush();
  }
  flush();
}

bool DataParallel::any(bool local) {
  auto flag = torch::full({1}, local ? 1.0f : 0.0f);
  group_->all_reduce_max(flag);
  return flag.item<float>() > 0.0f;
}

double DataParallel::from_rank0(double value) {
  std::vector<torch::Tensor> t{torch::full({1}, value, torch::kFloat64)};
  group_->broadcast(t);
  return t[0].item<double>();
}

void DataParallel::check_replicas(const torch::nn::Module& module, const std::string& when) {
  std::vector<std::string> names;
  std::vector<int64_t> prints;
  for (const auto& item : module.named_parameters()) {
    names.push_back(item.key());
    auto [a, b] = fingerprint(item.value());
    prints.insert(prints.end(), {a, b});
  }
  for (const auto& item : module.named_buffers()) {
    names.push_back(item.key());
    auto [a, b] = fingerprint(item.value());
    prints.insert(prints.end(), {a, b});
  }
  auto mine = torch::tensor(prints, torch::kInt64);
  auto all = group_->all_gather(mine);
  for (int r = 1; r < world(); ++r) {
    auto differs = all[r].ne(all[0]).nonzero();
    if (differs.numel() == 0) continue;
    const auto first = differs[0].item<int64_t>() / 2;
    throw std::runtime_error(fmt::format("distributed: {} of rank {} differs from rank 0's {}: the ranks' models "
                                         "diverged (a rank ran a different update)",
                                         names[first], r, when));
  }
  core::logger("distributed")->info("{} parameters and buffers identical on all {} ranks {}", names.size(), world(),
                                    when);
}

void DataParallel::save_generators(core::CheckpointWriter* w) {
  auto cpu = torch::stack(group_->all_gather(cpu_generator_state()));
  torch::Tensor cuda;
  if (options_.device.is_cuda()) {
    auto gen = at::globalContext().defaultGenerator(options_.device);
    torch::Tensor state;
    {
      std::lock_guard<std::mutex> lock(gen.mutex());
      state = gen.get_state();
    }
    cuda = torch::stack(group_->all_gather(state));
  }
  if (w == nullptr) return;
  w->add_tensor(schema::kRankRngCpu, cpu);
  if (cuda.defined()) w->add_tensor(schema::kRankRngCuda, cuda);
}

void DataParallel::restore_generators(core::CheckpointReader& r) {
  if (!r.has(schema::kRankRngCpu)) return;
  auto cpu = r.tensor(schema::kRankRngCpu);
  if (cpu.size(0) != world()) return;  // another world size: its streams cannot be matched
  {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(cpu[rank()].contiguous());
  }
  if (!r.has(schema::kRankRngCuda) || !options_.device.is_cuda()) return;
  auto cuda = r.tensor(schema::kRankRngCuda);
  auto gen = at::globalContext().defaultGenerator(options_.device);
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(cuda[rank()].contiguous());
}

}  // namespace hpe3d::train
