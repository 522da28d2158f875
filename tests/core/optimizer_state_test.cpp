// Optimiser states load by position, onto the parameters' device, whatever
// keys the writing LibTorch used (1.13: hex address strings; 2.x: decimal).
#include "hpe3d/core/optimizer_state.h"

#include <gtest/gtest.h>

#include "hpe3d/core/checkpoint.h"
#include "hpe3d/core/device.h"
#include "hpe3d/core/error.h"
#include "test_util.h"

namespace hpe3d::core {
namespace {

std::vector<torch::Tensor> make_params(torch::Device device) {
  torch::manual_seed(3);
  return {torch::randn({6, 4}, device).requires_grad_(true), torch::randn({4}, device).requires_grad_(true),
          torch::randn({3}, device).requires_grad_(true)};
}

// Two steps on the first two parameters; the third never gets a gradient (no state).
template <typename Optimizer>
void train_two_steps(Optimizer& optimizer, std::vector<torch::Tensor>& params) {
  for (int step = 0; step < 2; ++step) {
    optimizer.zero_grad();
    ((params[0].sum(0) * params[1]).pow(2).sum()).backward();
    optimizer.step();
  }
}

// `out` as a reader sees it after a save.
torch::serialize::InputArchive reread(torch::serialize::OutputArchive& out) {
  std::ostringstream bytes;
  out.save_to(bytes);
  torch::serialize::InputArchive in;
  std::istringstream stream(bytes.str());
  in.load_from(stream);
  return in;
}

torch::serialize::InputArchive round_trip(const torch::optim::Optimizer& optimizer) {
  torch::serialize::OutputArchive out;
  optimizer.save(out);
  return reread(out);
}

TEST(OptimizerState, AdamResumesOnTheParametersDeviceExactly) {
  const auto device = test_device();
  auto pa = make_params(device);
  torch::optim::Adam a(pa, torch::optim::AdamOptions(0.01).weight_decay(0.1));
  train_two_steps(a, pa);

  auto pb = make_params(device);
  {
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < pb.size(); ++i) pb[i].copy_(pa[i]);
  }
  torch::optim::Adam b(pb, torch::optim::AdamOptions(1.0));  // options come from the file
  auto archive = round_trip(a);
  load_optimizer_state(archive, b);

  ASSERT_EQ(b.state().size(), 2u);  // the third parameter had no state, and still has none
  EXPECT_EQ(b.state().count(optimizer_state_key(pb[2])), 0u);
  for (size_t i = 0; i < 2; ++i) {
    auto& sa = static_cast<torch::optim::AdamParamState&>(*a.state().at(optimizer_state_key(pa[i])));
    auto& sb = static_cast<torch::optim::AdamParamState&>(*b.state().at(optimizer_state_key(pb[i])));
    EXPECT_EQ(sb.step(), 2);
    EXPECT_EQ(sb.exp_avg().device(), pb[i].device()) << "parameter " << i;
    EXPECT_TRUE(torch::equal(sa.exp_avg().cpu(), sb.exp_avg().cpu()));
    EXPECT_TRUE(torch::equal(sa.exp_avg_sq().cpu(), sb.exp_avg_sq().cpu()));
  }
  const auto& ob = static_cast<const torch::optim::AdamOptions&>(b.param_groups()[0].options());
  EXPECT_DOUBLE_EQ(ob.lr(), 0.01);
  EXPECT_DOUBLE_EQ(ob.weight_decay(), 0.1);
  // The next step is the same on both.
  train_two_steps(a, pa);
  train_two_steps(b, pb);
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(torch::equal(pa[i].cpu(), pb[i].cpu())) << "parameter " << i;
}

TEST(OptimizerState, SgdMomentumAndAdamWLoad) {
  const auto device = test_device();
  auto ps = make_params(device), pt = make_params(device);
  torch::optim::SGD s(ps, torch::optim::SGDOptions(0.1).momentum(0.9));
  train_two_steps(s, ps);
  torch::optim::SGD t(pt, torch::optim::SGDOptions(0.5));
  auto archive = round_trip(s);
  load_optimizer_state(archive, t);
  auto& m = static_cast<torch::optim::SGDParamState&>(*t.state().at(optimizer_state_key(pt[0])));
  auto& ref = static_cast<torch::optim::SGDParamState&>(*s.state().at(optimizer_state_key(ps[0])));
  EXPECT_TRUE(torch::equal(m.momentum_buffer().cpu(), ref.momentum_buffer().cpu()));
  EXPECT_EQ(m.momentum_buffer().device(), pt[0].device());
  EXPECT_DOUBLE_EQ(static_cast<const torch::optim::SGDOptions&>(t.param_groups()[0].options()).momentum(), 0.9);

  auto pw = make_params(device), px = make_params(device);
  torch::optim::AdamW w(pw, torch::optim::AdamWOptions(0.01));
  train_two_steps(w, pw);
  torch::optim::AdamW x(px, torch::optim::AdamWOptions(0.01));
  auto aw = round_trip(w);
  load_optimizer_state(aw, x);
  EXPECT_EQ(static_cast<torch::optim::AdamWParamState&>(*x.state().at(optimizer_state_key(px[1]))).step(), 2);
}

// The layout Optimizer::save writes, with the keys another LibTorch would
// have used; state i holds the value i + 1, and the states are written in
// the reverse of the parameters' order.
torch::serialize::InputArchive foreign_archive(const std::vector<std::string>& keys) {
  torch::serialize::OutputArchive out, state, groups, group, options;
  out.write("pytorch_version", torch::IValue("1.5.0"));
  for (size_t i = keys.size(); i-- > 0;) {
    torch::serialize::OutputArchive s;
    torch::optim::AdamParamState p;
    p.step(7);
    p.exp_avg(torch::full({2}, static_cast<float>(i + 1)));
    p.exp_avg_sq(torch::full({2}, static_cast<float>(10 * (i + 1))));
    p.serialize(s);
    state.write(keys[i], s);
  }
  out.write("state", state);
  groups.write("param_groups/size", torch::tensor(int64_t{1}));
  group.write("params/size", torch::tensor(static_cast<int64_t>(keys.size())));
  for (size_t j = 0; j < keys.size(); ++j) group.write("params/" + std::to_string(j), torch::IValue(keys[j]));
  torch::optim::AdamOptions(0.003).serialize(options);
  group.write("options", options);
  groups.write("param_groups/0", group);
  out.write("param_groups", groups);
  return reread(out);
}

TEST(OptimizerState, KeysOfEitherLibTorchVersionPairByPosition) {
  // 1.13 wrote "0x..." (hex: read as a number they all become 0), 2.x decimal.
  for (const auto& keys : {std::vector<std::string>{"0x55d0c3a0f1c0", "0x55d0c3a0e080", "0x55d0c3b01f00"},
                           std::vector<std::string>{"94372816523712", "94372816519296", "94372817575680"}}) {
    const auto device = test_device();
    std::vector<torch::Tensor> params;
    for (int i = 0; i < 3; ++i) params.push_back(torch::zeros({2}, device).requires_grad_(true));
    torch::optim::Adam adam(params, torch::optim::AdamOptions(1.0));
    auto archive = foreign_archive(keys);
    load_optimizer_state(archive, adam);
    for (size_t i = 0; i < params.size(); ++i) {
      auto& s = static_cast<torch::optim::AdamParamState&>(*adam.state().at(optimizer_state_key(params[i])));
      EXPECT_EQ(s.step(), 7);
      EXPECT_EQ(s.exp_avg().device(), params[i].device());
      EXPECT_FLOAT_EQ(s.exp_avg()[0].item<float>(), static_cast<float>(i + 1)) << keys[i];
      EXPECT_FLOAT_EQ(s.exp_avg_sq()[1].item<float>(), static_cast<float>(10 * (i + 1))) << keys[i];
    }
    EXPECT_DOUBLE_EQ(static_cast<const torch::optim::AdamOptions&>(adam.param_groups()[0].options()).lr(), 0.003);
  }
}

TEST(OptimizerState, AnotherParameterCountIsRefusedAndChangesNothing) {
  std::vector<torch::Tensor> params{torch::zeros({2}).requires_grad_(true), torch::zeros({2}).requires_grad_(true)};
  torch::optim::Adam adam(params, torch::optim::AdamOptions(0.5));
  auto archive = foreign_archive({"0x1", "0x2", "0x3"});
  try {
    load_optimizer_state(archive, adam);
    FAIL() << "a file of 3 parameters loaded into an optimiser of 2";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("has 3 parameters, the optimiser's 2"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(adam.state().empty());
  EXPECT_DOUBLE_EQ(static_cast<const torch::optim::AdamOptions&>(adam.param_groups()[0].options()).lr(), 0.5);
}

TEST(OptimizerState, CheckpointReaderNamesTheFileOnAMismatch) {
  const std::string path = test::temp_dir("optimizer_state") + "/opt.pt";
  std::vector<torch::Tensor> three{torch::zeros({2}).requires_grad_(true), torch::zeros({2}).requires_grad_(true),
                                   torch::zeros({2}).requires_grad_(true)};
  torch::optim::Adam saved(three, torch::optim::AdamOptions(0.1));
  CheckpointWriter w;
  w.add_optimizer("optimizer0", saved);
  w.save(path);
  std::vector<torch::Tensor> two{torch::zeros({2}).requires_grad_(true), torch::zeros({2}).requires_grad_(true)};
  torch::optim::Adam other(two, torch::optim::AdamOptions(0.1));
  CheckpointReader r(path);
  EXPECT_EQ(r.written_by(), libtorch_version());
  try {
    r.load_optimizer("optimizer0", other);
    FAIL() << "loaded";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("optimizer0"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace hpe3d::core
