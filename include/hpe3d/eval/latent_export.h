#pragma once
// `h36m-export-latent`: the posterior q(z|x) of every selected sample (for
// rgb, less those whose image is unreadable under data.images.missing: skip),
// with its labels, for UMAP plots (scripts/plot_latent.py) or any analysis.
// Output HDF5: /mu, /logvar float32 (N, Z); /subject, /action, /camera,
// /frame int32 (N); /action_names string; root attributes modality, checkpoint.
// Optional CSV: subject,action(name),camera,frame,mu_0..mu_{Z-1},logvar_0..logvar_{Z-1}.
#include <string>
#include <vector>

namespace hpe3d::eval {

struct LatentExportOptions {
  std::string checkpoint;
  std::string data;            // default: the checkpoint's data.file
  std::vector<int> subjects;   // default: the checkpoint's test subjects
  std::string modality = "pose2d";
  int stride = 1;
  int64_t batch_size = 4096;   // poses per forward pass (rgb: capped, evaluate_split.h)
  std::string out;             // .h5
  std::string csv;             // optional
  std::string device;  // "": the checkpoint's runtime.device
};

// Returns the number of samples written.
int64_t export_latents(const LatentExportOptions& options);

}  // namespace hpe3d::eval
