#include "hpe3d/models/pose_regressor.h"

#include "hpe3d/models/init.h"
#include "hpe3d/models/pose_encoder.h"

namespace hpe3d::models {

PoseRegressorImpl::PoseRegressorImpl(const PoseRegressorOptions& options_) : options(options_) {
  TORCH_CHECK(options.in_joints() > 0 && options.out_joints() > 0 && options.in_dims() > 0 && options.out_dims() > 0,
              "PoseRegressor: joints and dims must be positive");
  TORCH_CHECK(options.max_norm() >= 0, "PoseRegressor: max_norm must be >= 0, got ", options.max_norm());
  trunk = register_module("trunk", MlpTrunk(MlpTrunkOptions(options.in_joints() * options.in_dims())
                                                .hidden(options.hidden())
                                                .blocks(options.blocks())
                                                .dropout(options.dropout())
                                                .max_norm(options.max_norm())));
  fc_out = register_module("fc_out", torch::nn::Linear(options.hidden(), options.out_joints() * options.out_dims()));
  init_weights(*this);
}

torch::Tensor PoseRegressorImpl::forward(const torch::Tensor& pose) {
  auto h = trunk(flatten_pose(pose, options.in_joints(), options.in_dims(), "PoseRegressor"));
  return torch::nn::functional::linear(h, max_norm_weight(fc_out->weight, options.max_norm()), fc_out->bias);
}

}  // namespace hpe3d::models
