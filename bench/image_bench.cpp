// Image pipeline throughput: crops/s of decode + crop + resize (+ augmentation)
// with 1 and with N workers, from the frames and from a crop cache, in one run
// so that the ratios are comparable on a shared machine.
//   build/bench/image_bench [POSE_FILE IMAGE_ROOT CACHE SIZE [BATCHES]]
// Defaults: the rendered CMU set of scripts/demo_rgb.sh (data/cmu_mocap.h5,
// data/cmu_render, data/cmu_crops64.h5, 64 px). Also times the decoding of the
// real 1000x1002 Human3.6M frames of ../shared/fixtures (full and reduced).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include <opencv2/imgcodecs.hpp>

#include "hpe3d/core/runtime.h"
#include "hpe3d/data/image_batches.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace hpe3d;

double crops_per_second(const data::PoseSplit& split, const std::string& file, data::ImageOptions options,
                        int batches, int batch_size) {
  data::ImageBatches images(split, file, options, {0.1, 0.05, 0.2});
  const int64_t n = split.size();
  images.start(batches, [&](int64_t b) {
    auto rows = torch::arange(b * batch_size, (b + 1) * batch_size, torch::kLong).remainder(n);
    return data::ImageRequest{rows, rows.remainder(2).eq(0), static_cast<uint64_t>(b), true};
  });
  const auto t0 = Clock::now();
  for (int b = 0; b < batches; ++b) images.next();
  return batches * batch_size / std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  core::init_process();
  const std::string file = argc > 1 ? argv[1] : "data/cmu_mocap.h5";
  const std::string root = argc > 2 ? argv[2] : "data/cmu_render";
  const std::string cache = argc > 3 ? argv[3] : "data/cmu_crops64.h5";
  const int size = argc > 4 ? std::stoi(argv[4]) : 64;
  const int batches = argc > 5 ? std::stoi(argv[5]) : 40, batch_size = 32;
  const int cores = core::cpu_cores();
  core::set_threads(1, 1);
  auto split = data::load_split(file, {});
  std::printf("[bench] %s: %lld rows, %d px crops, batches of %d, %d core(s)\n", file.c_str(),
              static_cast<long long>(split.size()), size, batch_size, cores);
  std::printf("| source | workers | crops/s |\n| --- | --- | --- |\n");
  for (bool cached : {false, true}) {
    if (cached && !std::filesystem::exists(cache)) continue;
    for (int workers : {1, cores}) {
      data::ImageOptions o{root, cached ? cache : "", size, workers, 2 * workers, "error"};
      std::printf("| %s | %d | %.0f |\n", cached ? "crop cache" : "JPEG frames", workers,
                  crops_per_second(split, file, o, batches, batch_size));
    }
  }
  // The real Human3.6M frames: full-size decode vs libjpeg's reduced decode.
  const std::string fixture = std::string(HPE3D_SOURCE_DIR) + "/../shared/fixtures/h36m_sample";
  if (std::filesystem::exists(fixture)) {
    std::printf("\n| real 1000x1002 frame | decodes/s |\n| --- | --- |\n");
    for (auto [flag, name] : {std::pair{cv::IMREAD_COLOR, "full"}, std::pair{cv::IMREAD_REDUCED_COLOR_2, "1/2"},
                              std::pair{cv::IMREAD_REDUCED_COLOR_4, "1/4"}}) {
      const auto t0 = Clock::now();
      int n = 0;
      for (int rep = 0; rep < 10; ++rep)
        for (const auto& e : std::filesystem::directory_iterator(fixture))
          if (e.path().extension() == ".jpg") n += !cv::imread(e.path().string(), flag).empty();
      std::printf("| %s | %.0f |\n", name, n / std::chrono::duration<double>(Clock::now() - t0).count());
    }
  }
  return 0;
}
