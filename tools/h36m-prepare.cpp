// h36m-prepare: builds hpe3d pose files from Human3.6M (Martinez tree), BVH
// motion capture or synthetic poses, summarises them, attaches image paths
// and boxes, renders figure images for them, and caches their crops.
#include <iostream>

#include <CLI/CLI.hpp>

#include "hpe3d/core/cli.h"
#include "hpe3d/core/tool_main.h"
#include "hpe3d/data/bvh_source.h"
#include "hpe3d/data/image_batches.h"
#include "hpe3d/data/image_layout.h"
#include "hpe3d/data/martinez_source.h"
#include "hpe3d/data/pose_file.h"
#include "hpe3d/data/pose_file_summary.h"
#include "hpe3d/data/pose_render.h"
#include "hpe3d/data/synthetic_source.h"

int main(int argc, char** argv) {
  using namespace hpe3d;
  CLI::App app{"h36m-prepare: build and inspect hpe3d pose files"};
  app.require_subcommand(1);

  data::MartinezOptions martinez;
  std::string out;
  auto* cmd_martinez = app.add_subcommand("martinez", "Human3.6M tree of Martinez et al. 2017");
  cmd_martinez->add_option("--root", martinez.root, "folder holding S1, S5, ...")->required();
  cmd_martinez->add_option("--cameras", martinez.cameras, "cameras.h5")->required();
  cmd_martinez->add_option("--out", out, "output pose file (.h5)")->required();
  cmd_martinez->add_option("--subjects", martinez.subjects, "subject ids")->delimiter(',');
  cmd_martinez->add_option("--stride", martinez.stride, "keep every N-th frame")->check(core::positive_integer());

  data::BvhSourceOptions bvh;
  bool cmu_default = false;
  auto* cmd_bvh = app.add_subcommand("bvh", "BVH motion capture through the Human3.6M cameras");
  cmd_bvh->add_option("--input", bvh.inputs, "BVH files")->delimiter(',');
  cmd_bvh->add_option("--subjects", bvh.subjects, "one subject id per file")->delimiter(',');
  cmd_bvh->add_flag("--cmu-default", cmu_default,
                    "the embedded data set: 01_01 + Boxing_Toes (subjects 1, 5), 01_03 (subject 9) "
                    "from /usr/share/assimp/models/BVH");
  cmd_bvh->add_option("--fps", bvh.fps, "output frame rate");
  cmd_bvh->add_option("--cameras", bvh.cameras, "camera YAML (default configs/cameras/h36m.yaml)");
  cmd_bvh->add_option("--manifest", bvh.manifest, "clips.yaml: file/folder, subject, action per clip (docs/data.md)");
  cmd_bvh->add_option("--skeleton", bvh.convert.skeleton,
                      "joint map: a preset of configs/skeletons (cmu, mixamo, ...) or a map file (.yaml); "
                      "default: detected from the joint names");
  cmd_bvh->add_option("--units", bvh.convert.units, "mm, cm, m, inch or cmu (2.54/0.45 cm); default: measured");
  cmd_bvh->add_option("--up", bvh.convert.up, "y or z; default: measured");
  cmd_bvh->add_option("--out", out, "output pose file (.h5)")->required();

  data::SyntheticOptions synthetic;
  auto* cmd_synthetic = app.add_subcommand("synthetic", "plausible random poses (tests, scale runs)");
  cmd_synthetic->add_option("--n", synthetic.poses, "world poses (each seen by 4 cameras)")->required();
  cmd_synthetic->add_option("--out", out, "output pose file (.h5)")->required();
  cmd_synthetic->add_option("--seed", synthetic.seed, "random seed");
  cmd_synthetic->add_option("--subjects", synthetic.subjects, "subject ids (cameras)")->delimiter(',');

  std::string info_path;
  auto* cmd_info = app.add_subcommand("info", "summarise a pose file");
  cmd_info->add_option("file", info_path, "pose file (.h5)")->required();

  data::AttachOptions attach;
  auto* cmd_attach = app.add_subcommand("attach-images", "fill /image and /bbox of a pose file");
  cmd_attach->add_option("--data", attach.data, "pose file (.h5), rewritten atomically")->required();
  cmd_attach->add_option("--image-root", attach.image_root, "folder the image paths are relative to")->required();
  cmd_attach->add_option("--layout", attach.layout, "path layout (h36m)");
  cmd_attach->add_option("--margin", attach.margin, "box margin, fraction of the joints' larger side");
  cmd_attach->add_option("--frame-offset", attach.frame_offset, "file number = /frame + offset (H36M frames: 1)");

  data::RenderOptions render;
  auto* cmd_render = app.add_subcommand(
      "render", "draw every row as a capsule figure (renders, not photographs), then attach-images");
  cmd_render->add_option("--data", render.data, "pose file (.h5); /image and /bbox are attached")->required();
  cmd_render->add_option("--out", render.out_dir, "image root to write the JPEGs under")->required();
  cmd_render->add_option("--size", render.size, "frame scale = size / 500 (128: 256x256 from 1000x1000)");
  cmd_render->add_option("--stride", render.stride, "every N-th frame of each sequence")->check(core::positive_integer());
  cmd_render->add_option("--seed", render.seed, "background seed");
  cmd_render->add_option("--quality", render.jpeg_quality, "JPEG quality")->check(CLI::Range(1, 100));
  cmd_render->add_option("--margin", render.margin, "box margin of the attached /bbox");

  data::CropCacheOptions cache;
  auto* cmd_cache = app.add_subcommand("cache-crops", "store every row's square crop (uint8, HDF5) for training");
  cmd_cache->add_option("--data", cache.data, "pose file (.h5) with /image and /bbox")->required();
  cmd_cache->add_option("--image-root", cache.images.root, "folder the image paths are relative to")->required();
  cmd_cache->add_option("--size", cache.images.size, "crop side in px (model.image_size)")->required();
  cmd_cache->add_option("--workers", cache.images.workers, "decoding threads")->check(core::positive_integer());
  cmd_cache->add_option("--out", cache.out, "crop cache (.h5)")->required();

  if (auto rc = core::parse_cli(app, argc, argv)) return *rc;
  return core::run_tool("h36m-prepare", [&] {
    if (*cmd_martinez) data::prepare_martinez(martinez, out);
    if (*cmd_bvh) {
      if (cmu_default) {
        auto defaults = data::cmu_default_options();
        bvh.inputs = defaults.inputs;
        bvh.subjects = defaults.subjects;
      }
      data::prepare_bvh(bvh, out);
    }
    if (*cmd_synthetic) data::prepare_synthetic(synthetic, out);
    if (*cmd_attach) std::cout << data::describe(data::attach_images(attach), attach) << "\n";
    if (*cmd_render) std::cout << data::describe(data::render_pose_images(render), render) << "\n";
    if (*cmd_cache) data::write_crop_cache(cache);
    if (*cmd_info) std::cout << data::summarize(data::read_pose_file(info_path));
    return 0;
  });
}
