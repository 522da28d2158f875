#pragma once
// Sums per-pose errors by action and by subject, and reports the two means a
// Human3.6M table needs: over actions (each action weighs the same, the
// published convention) and over frames (each pose weighs the same).
#include <cstdint>
#include <map>

#include <torch/torch.h>

namespace hpe3d::eval {

class ErrorAccumulator {
 public:
  // errors: [B] float; actions, subjects: [B] integer labels.
  void add(const torch::Tensor& errors, const torch::Tensor& actions,
           const torch::Tensor& subjects);

  // Adds the sums of `other` (another rank's, another shard's): the result is
  // that of one accumulator that saw both inputs.
  void merge(const ErrorAccumulator& other);

  int64_t count() const { return count_; }
  double mean_over_frames() const;   // NaN when empty
  double mean_over_actions() const;  // NaN when empty
  std::map<int, double> per_action() const;   // action label -> mean
  std::map<int, double> per_subject() const;  // subject id -> mean
  std::map<int, int64_t> frames_per_action() const;

 private:
  struct Sum {
    double total = 0.0;
    int64_t count = 0;
  };
  static std::map<int, double> means(const std::map<int, Sum>& sums);

  std::map<int, Sum> by_action_;
  std::map<int, Sum> by_subject_;
  double total_ = 0.0;
  int64_t count_ = 0;
};

}  // namespace hpe3d::eval
