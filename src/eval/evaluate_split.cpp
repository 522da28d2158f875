#include "hpe3d/eval/evaluate_split.h"

#include "hpe3d/core/error.h"

namespace hpe3d::eval {

int64_t inference_batch_size(models::Modality from, int64_t requested) {
  TORCH_CHECK(requested >= 1, "inference_batch_size: batch size must be >= 1, got ", requested);
  return from == models::Modality::kRgb ? std::min(requested, kImageBatchCap) : requested;
}

int64_t evaluate_split(TrainedModel& t, const data::PoseSplit& split, data::ImageBatches* images,
                       const SplitInferenceOptions& options, const std::function<void(const SplitBatch&)>& visit) {
  const bool rgb = options.from == models::Modality::kRgb;
  TORCH_CHECK(!rgb || images != nullptr, "evaluate_split: the rgb modality needs the split's images");
  const int64_t batch_size = inference_batch_size(options.from, options.batch_size);
  torch::NoGradGuard no_grad;
  const bool was_training = t.model->is_training();
  t.model->eval();
  if (rgb) images->start_in_order(batch_size);
  int64_t left_out = 0;
  for (int64_t start = 0; start < split.size(); start += batch_size) {
    const int64_t n = std::min(batch_size, split.size() - start);
    SplitBatch b;
    b.rows = torch::arange(start, start + n, torch::kLong);
    b.pose2d = split.pose2d.narrow(0, start, n).to(t.device);
    b.pose3d = split.pose3d.narrow(0, start, n).to(t.device);
    if (rgb) {
      auto batch = images->next();
      b.images = batch.images.to(t.device);
      if (auto keep = data::readable_rows(batch, torch::kCPU); keep.defined()) {  // missing: skip
        left_out += n - keep.numel();
        if (keep.numel() == 0) continue;
        auto keep_device = keep.to(t.device);
        b.rows = b.rows.index_select(0, keep);
        b.pose2d = b.pose2d.index_select(0, keep_device);
        b.pose3d = b.pose3d.index_select(0, keep_device);
        b.images = b.images.index_select(0, keep_device);
      }
    }
    auto x = t.input(options.from, b.pose2d, b.pose3d, b.images);
    if (t.model->has_encoder(options.from)) b.posterior = t.model->encode(options.from, x);
    if (options.to)
      b.prediction = b.posterior.mu.defined() ? t.model->decode(*options.to, b.posterior.mu)
                                              : t.model->predict(options.from, *options.to, x);
    visit(b);
  }
  if (was_training) t.model->train();
  return left_out;
}

}  // namespace hpe3d::eval
