#include "hpe3d/eval/trained_model.h"

#include "hpe3d/core/blas_kernels.h"
#include "hpe3d/core/checkpoint.h"
#include "hpe3d/core/checkpoint_schema.h"
#include "hpe3d/core/config_yaml.h"
#include "hpe3d/core/cuda_settings.h"
#include "hpe3d/core/device.h"
#include "hpe3d/core/error.h"
#include "hpe3d/core/runtime.h"
#include "hpe3d/data/image_batches.h"
#include "hpe3d/data/pose_split.h"

namespace hpe3d::eval {

torch::Tensor TrainedModel::input(models::Modality modality, const torch::Tensor& pose2d, const torch::Tensor& pose3d,
                                  const torch::Tensor& images) const {
  if (modality == models::Modality::kPose2d) return data::select_joints_2d(norm2d.normalize(pose2d), config.model.joints_2d);
  if (modality == models::Modality::kPose3d) return norm3d.normalize(pose3d);
  TORCH_CHECK(images.defined(), "TrainedModel::input: the rgb modality needs images");
  return data::imagenet_normalize(images);
}

TrainedModel load_trained_model(const std::string& path, const std::string& device) {
  namespace schema = core::checkpoint_schema;
  core::CheckpointReader r(path);
  TrainedModel t;
  YAML::Node root;
  try {
    root = YAML::Load(r.get_string(schema::kConfig));
  } catch (const YAML::Exception& e) {
    core::fail(path, std::string("stored config is not valid YAML: ") + e.what());
  }
  t.config = core::config_from_yaml<core::ExperimentConfig>(root, path + " (stored config)");
  data::check_split_shapes(t.config.model, path + " (stored config)");
  t.device = device.empty() ? core::select_device(t.config.runtime.device, path + " (stored runtime.device)")
                            : core::select_device(device);
  core::select_blas_core(t.config.runtime.blas_core);
  core::make_current(t.device);
  core::apply_cuda_settings(t.config.runtime.cuda);
  const auto& encoders = t.config.model.encoders;
  core::use_cores(std::find(encoders.begin(), encoders.end(), "rgb") != encoders.end(), t.config.runtime.threads);
  torch::manual_seed(t.config.train.seed);
  t.model = models::make_model(t.config.model, /*load_pretrained=*/false);
  r.load_module(schema::kModel, *t.model);
  t.model->to(t.device);
  t.model->eval();
  t.norm2d = data::Normalizer{r.tensor(schema::kNorm2dMean), r.tensor(schema::kNorm2dStd)}.to(t.device);
  t.norm3d = data::Normalizer{r.tensor(schema::kNorm3dMean), r.tensor(schema::kNorm3dStd)}.to(t.device);
  return t;
}

}  // namespace hpe3d::eval
