#include "hpe3d/eval/latent_export.h"

#include <cstdio>
#include <filesystem>
#include <sstream>

#include <fmt/format.h>

#include "hpe3d/core/atomic_file.h"
#include "hpe3d/core/error.h"
#include "hpe3d/core/logging.h"
#include "hpe3d/data/h5_file.h"
#include "hpe3d/data/image_batches.h"
#include "hpe3d/data/pose_split.h"
#include "hpe3d/eval/evaluate_split.h"
#include "hpe3d/eval/trained_model.h"

namespace hpe3d::eval {

int64_t export_latents(const LatentExportOptions& o) {
  if (o.out.empty()) core::fail("--out", "an output .h5 path is required");
  if (o.stride < 1) core::fail("--stride", "must be >= 1");
  auto model = load_trained_model(o.checkpoint, o.device);
  const auto modality = models::parse_modality(o.modality, "--modality");
  if (model.model->has_regressor())
    core::fail(o.checkpoint, "model.kind " + model.config.model.kind + " has no latent to export");
  if (!model.model->has_encoder(modality))
    core::fail("--modality", "the checkpoint's model has no " + o.modality + " encoder");
  const auto& c = model.config;
  const std::string file = o.data.empty() ? c.data.file : o.data;
  auto split = data::load_split(file, {o.subjects.empty() ? c.data.test_subjects : o.subjects, o.stride,
                                       c.data.root_centre_2d, c.data.input_2d});
  std::unique_ptr<data::ImageBatches> images;
  if (modality == models::Modality::kRgb) {
    auto image_options = data::image_options(c);
    split = data::require_images(split, file, image_options);
    images = std::make_unique<data::ImageBatches>(split, file, image_options);
  }
  std::vector<torch::Tensor> mus, logvars, kept;  // kept: split rows of images that were read (missing: skip)
  evaluate_split(model, split, images.get(), {modality, o.batch_size}, [&](const SplitBatch& batch) {
    mus.push_back(batch.posterior.mu.cpu());
    logvars.push_back(batch.posterior.logvar.cpu());
    kept.push_back(batch.rows);
  });
  if (mus.empty()) core::fail(file, "no samples to export (subjects, stride or unreadable images)");
  auto mu = torch::cat(mus), logvar = torch::cat(logvars);
  data::PoseSplit labels = split;  // the rows of mu (the image workers still read `split`)
  if (mu.size(0) < split.size()) {
    core::logger("eval")->warn("{} sample(s) left out, their image unreadable (missing: skip)",
                               split.size() - mu.size(0));
    labels = data::select_samples(split, torch::zeros({split.size()}, torch::kBool).index_fill_(0, torch::cat(kept), true));
  }
  const std::string tmp = o.out + ".tmp";
  try {
    data::H5File f(tmp, data::H5File::Mode::kCreate);
    f.write("/mu", mu.to(torch::kFloat32));
    f.write("/logvar", logvar.to(torch::kFloat32));
    f.write("/subject", labels.subject.to(torch::kInt32));
    f.write("/action", labels.action.to(torch::kInt32));
    f.write("/camera", labels.camera.to(torch::kInt32));
    f.write("/frame", labels.frame.to(torch::kInt32));
    f.write_strings("/action_names", labels.action_names);
    f.write_attribute("/", "modality", o.modality);
    f.write_attribute("/", "checkpoint", o.checkpoint);
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw;
  }
  core::move_into_place(tmp, o.out);
  if (!o.csv.empty()) {
    std::ostringstream csv;
    csv << "subject,action,camera,frame";
    for (int64_t z = 0; z < mu.size(1); ++z) csv << ",mu_" << z;
    for (int64_t z = 0; z < mu.size(1); ++z) csv << ",logvar_" << z;
    csv << "\n";
    auto m = mu.to(torch::kFloat32).contiguous(), lv = logvar.to(torch::kFloat32).contiguous();
    const float* p = m.data_ptr<float>();
    const float* q = lv.data_ptr<float>();
    auto subject = labels.subject.accessor<int64_t, 1>(), action = labels.action.accessor<int64_t, 1>();
    auto camera = labels.camera.accessor<int64_t, 1>(), frame = labels.frame.accessor<int64_t, 1>();
    for (int64_t i = 0; i < mu.size(0); ++i) {
      csv << subject[i] << "," << labels.action_names.at(static_cast<size_t>(action[i])) << "," << camera[i] << ","
          << frame[i];
      for (int64_t z = 0; z < mu.size(1); ++z) csv << "," << fmt::format("{:.6g}", p[i * mu.size(1) + z]);
      for (int64_t z = 0; z < mu.size(1); ++z) csv << "," << fmt::format("{:.6g}", q[i * mu.size(1) + z]);
      csv << "\n";
    }
    core::write_file_atomically(o.csv, csv.str());
  }
  core::logger("eval")->info("wrote {}: {} latents of size {} ({} encoder)", o.out, mu.size(0), mu.size(1), o.modality);
  return mu.size(0);
}

}  // namespace hpe3d::eval
