#include "hpe3d/eval/latent_export.h"

#include <fstream>

#include <gtest/gtest.h>

#include "hpe3d/data/h5_file.h"
#include "hpe3d/data/pose_file.h"
#include "hpe3d/train/trainer.h"
#include "test_util.h"

namespace hpe3d::eval {
namespace {

TEST(LatentExport, RowsAndLabelsMatchTheDataAndOpenInH5py) {
  auto dir = test::temp_dir("latent_export");
  test::write_synthetic(dir + "/s.h5", 600);
  auto c = test::small_lifting(dir + "/s.h5");
  c.model.latent_dim = 6;
  train::Trainer(c, {dir + "/run", false, -1}).run();

  LatentExportOptions o;
  o.checkpoint = dir + "/run/checkpoints/best.pt";
  o.subjects = {9};
  o.stride = 2;
  o.out = dir + "/latents.h5";
  o.csv = dir + "/latents.csv";
  const int64_t n = export_latents(o);
  auto data = data::read_pose_file(dir + "/s.h5", {{9}, 2});
  ASSERT_EQ(n, data.size());
  data::H5File f(o.out, data::H5File::Mode::kRead);
  EXPECT_EQ(f.shape("/mu"), (std::vector<int64_t>{n, 6}));
  EXPECT_EQ(f.shape("/logvar"), (std::vector<int64_t>{n, 6}));
  EXPECT_TRUE(torch::equal(f.read("/frame", torch::kInt32), data.frame));
  EXPECT_TRUE(torch::equal(f.read("/camera", torch::kInt32), data.camera));
  EXPECT_TRUE(torch::equal(f.read("/subject", torch::kInt32), data.subject));
  EXPECT_TRUE(torch::equal(f.read("/action", torch::kInt32), data.action));
  EXPECT_EQ(f.read_strings("/action_names"), data.action_names);
  std::ifstream csv(o.csv);
  std::string header;
  std::getline(csv, header);
  EXPECT_EQ(header, "subject,action,camera,frame,mu_0,mu_1,mu_2,mu_3,mu_4,mu_5,"
                    "logvar_0,logvar_1,logvar_2,logvar_3,logvar_4,logvar_5");
  int64_t lines = 0;
  for (std::string line; std::getline(csv, line);) ++lines;
  EXPECT_EQ(lines, n);

  std::string out;
  int rc = test::run_command(test::python() + " -c \"import h5py,sys; f=h5py.File(sys.argv[1]); "
                                              "print(f['mu'].shape, f['action_names'].asstr()[0])\" " + o.out,
                             &out);
  ASSERT_EQ(rc, 0) << "needs python3-h5py (scripts/setup.sh): " << out;
  EXPECT_NE(out.find("(" + std::to_string(n) + ", 6) Synthetic"), std::string::npos) << out;

  rc = test::run_command(test::tool_path("h36m-export-latent") + " --checkpoint " + o.checkpoint +
                             " --modality rgb --out " + dir + "/x.h5",
                         &out);
  EXPECT_EQ(rc, 2);
  EXPECT_NE(out.find("--modality: the checkpoint's model has no rgb encoder"), std::string::npos) << out;
}

}  // namespace
}  // namespace hpe3d::eval
