#include "hpe3d/core/checkpoint.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "hpe3d/core/error.h"
#include "test_util.h"

namespace hpe3d::core {
namespace {

torch::nn::Sequential make_net(int64_t hidden) {
  return torch::nn::Sequential(torch::nn::Linear(4, hidden), torch::nn::BatchNorm1d(hidden),
                               torch::nn::ReLU(), torch::nn::Linear(hidden, 2));
}

void step(torch::nn::Sequential& net, torch::optim::Adam& opt, const torch::Tensor& x) {
  opt.zero_grad();
  net->forward(x).pow(2).mean().backward();
  opt.step();
}

// save -> load -> step equals two uninterrupted steps, bit for bit.
TEST(Checkpoint, RoundTripContinuesExactly) {
  auto dir = test::temp_dir("checkpoint");
  torch::manual_seed(0);
  auto x = torch::randn({16, 4});
  auto a = make_net(8);
  torch::optim::Adam opt_a(a->parameters(), 1e-2);
  step(a, opt_a, x);

  CheckpointWriter w;
  w.add_module("model", *a);
  w.add_optimizer("optim", opt_a);
  w.add_int("step", 1);
  w.add_double("best", 12.5);
  w.add_string("config", "train:\n  epochs: 3\n");
  w.add_tensor("stats", torch::arange(3.0));
  w.save(dir + "/last.pt");
  EXPECT_FALSE(std::filesystem::exists(dir + "/last.pt.tmp"));

  torch::manual_seed(123);
  auto b = make_net(8);
  torch::optim::Adam opt_b(b->parameters(), 1e-2);
  CheckpointReader r(dir + "/last.pt");
  r.load_module("model", *b);
  r.load_optimizer("optim", opt_b);
  EXPECT_EQ(r.get_int("step"), 1);
  EXPECT_DOUBLE_EQ(r.get_double("best"), 12.5);
  EXPECT_EQ(r.get_string("config"), "train:\n  epochs: 3\n");
  EXPECT_TRUE(torch::equal(r.tensor("stats"), torch::arange(3.0)));

  step(a, opt_a, x);
  step(b, opt_b, x);
  auto pa = a->parameters(), pb = b->parameters();
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(torch::equal(pa[i], pb[i]));
  auto ba = a->buffers(), bb = b->buffers();
  for (size_t i = 0; i < ba.size(); ++i) EXPECT_TRUE(torch::equal(ba[i], bb[i]));
}

TEST(Checkpoint, OtherModelShapeIsAClearError) {
  auto dir = test::temp_dir("checkpoint_shape");
  auto a = make_net(8);
  CheckpointWriter w;
  w.add_module("model", *a);
  w.save(dir + "/a.pt");
  auto b = make_net(16);
  CheckpointReader r(dir + "/a.pt");
  try {
    r.load_module("model", *b);
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("a.pt: model does not match the model"), std::string::npos) << msg;
    EXPECT_NE(msg.find("0.weight is [8,4], model has [16,4]"), std::string::npos) << msg;
  }
  EXPECT_THROW(CheckpointReader(dir + "/none.pt"), InputError);
  std::ofstream(dir + "/junk.pt") << "not a checkpoint";
  EXPECT_THROW(CheckpointReader(dir + "/junk.pt"), InputError);
}

}  // namespace
}  // namespace hpe3d::core
