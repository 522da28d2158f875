#include "test_util.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>

#include "hpe3d/core/checkpoint.h"
#include "hpe3d/data/pose_render.h"
#include "hpe3d/data/synthetic_source.h"
#include "hpe3d/models/cross_modal_vae.h"

namespace fs = std::filesystem;

namespace hpe3d::test {
namespace {

struct TempRoot {
  fs::path path;
  TempRoot() {
    std::string tmpl = (fs::temp_directory_path() / "hpe3d_test_XXXXXX").string();
    path = mkdtemp(tmpl.data());
  }
  ~TempRoot() {
    std::error_code ec;
    if (std::getenv("HPE3D_KEEP_TEST_FILES") == nullptr) fs::remove_all(path, ec);
  }
};

}  // namespace

std::string temp_dir(const std::string& name) {
  static TempRoot root;
  fs::path dir = root.path / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

std::string h36m_sample_json() {
  fs::path p = fs::path(HPE3D_SHARED_DIR) / "fixtures/h36m_sample/h36m_sample.json";
  return fs::exists(p) ? p.string() : "";
}

std::string tool_path(const std::string& name) {
  return (fs::path(HPE3D_TOOLS_DIR) / name).string();
}

int run_command(const std::string& command, std::string* output) {
  std::string full = command + " 2>&1";
  FILE* pipe = popen(full.c_str(), "r");
  if (pipe == nullptr) return -1;
  std::array<char, 4096> buf;
  std::string out;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  int status = pclose(pipe);
  if (output) *output = out;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string python() {
  if (const char* env = std::getenv("HPE3D_PYTHON")) return env;
  return "/usr/bin/python3";
}

void write_synthetic(const std::string& path, int64_t poses, const std::vector<int>& subjects) {
  data::SyntheticOptions options;
  options.poses = poses;
  options.subjects = subjects;
  data::prepare_synthetic(options, path);
}

core::ExperimentConfig small_lifting(const std::string& file, int epochs) {
  core::ExperimentConfig c;
  c.data.file = file;
  c.data.train_subjects = {1};
  c.data.test_subjects = {9};
  c.model.pose.hidden = 64;
  c.model.pose.blocks = 1;
  c.train.epochs = epochs;
  c.train.batch_size = 64;
  c.runtime.device = "cpu";
  return c;
}

core::ExperimentConfig small_rgb(const std::string& dir) {
  write_synthetic(dir + "/s.h5", 40);
  data::RenderOptions render;
  render.data = dir + "/s.h5";
  render.out_dir = dir + "/frames";
  render.size = 64;
  data::render_pose_images(render);
  auto c = small_lifting(dir + "/s.h5");
  c.data.test_stride = 4;
  c.data.images.root = dir + "/frames";
  c.model.latent_dim = 16;
  c.model.image_size = 64;
  c.model.encoders = {"pose2d", "rgb"};
  c.model.decoders = {"pose3d"};
  c.train.pairs = {"rgb->pose3d"};
  c.train.batch_size = 16;
  c.train.keep_last = 0;
  c.eval.pair = "rgb->pose3d";
  return c;
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

void add_pose_critic(core::ModelConfig& model, int layers) {
  model.discriminator.enabled = true;
  model.discriminator.modality = "pose3d";
  model.discriminator.hidden = 32;
  model.discriminator.layers = layers;
  model.discriminator.feature_layer = layers;
}

std::vector<torch::Tensor> saved_parameters(const std::string& checkpoint, const core::ExperimentConfig& c) {
  torch::manual_seed(99);
  auto model = models::make_model(c.model);
  core::CheckpointReader r(checkpoint);
  r.load_module("model", *model);
  std::vector<torch::Tensor> out;
  for (const auto& p : model->parameters()) out.push_back(p.detach().clone());
  for (const auto& b : model->buffers()) out.push_back(b.detach().clone());
  return out;
}

}  // namespace hpe3d::test
