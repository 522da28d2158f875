// h36m-export-latent: posterior means and log-variances with labels, for UMAP.
#include <CLI/CLI.hpp>

#include "hpe3d/core/cli.h"
#include "hpe3d/core/tool_main.h"
#include "hpe3d/eval/latent_export.h"

int main(int argc, char** argv) {
  using namespace hpe3d;
  CLI::App app{"h36m-export-latent: export q(z|x) of a data split for plots"};
  eval::LatentExportOptions o;
  app.add_option("--checkpoint", o.checkpoint, "checkpoint from h36m-train")->required();
  app.add_option("--data", o.data, "pose file (default: the checkpoint's data.file)");
  app.add_option("--subjects", o.subjects, "subjects (default: the checkpoint's test subjects)")->delimiter(',');
  app.add_option("--modality", o.modality, "encoder: pose2d | pose3d | rgb");
  app.add_option("--stride", o.stride, "every N-th frame");
  app.add_option("--out", o.out, "output .h5")->required();
  app.add_option("--csv", o.csv, "also write a CSV");
  app.add_option("--device", o.device, "auto | cpu | cuda (default: the checkpoint's runtime.device)");
  if (auto rc = core::parse_cli(app, argc, argv)) return *rc;
  return core::run_tool("h36m-export-latent", [&] {
    eval::export_latents(o);
    return 0;
  });
}
