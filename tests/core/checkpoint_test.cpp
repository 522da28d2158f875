#include "hpe3d/core/checkpoint.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include <gtest/gtest.h>

#include "hpe3d/core/device.h"
#include "hpe3d/core/error.h"
#include "hpe3d/core/optimizer_state.h"
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

// A net on `device` after one Adam step from seed 0, its optimiser and the batch.
struct OneStep {
  torch::nn::Sequential net;
  std::unique_ptr<torch::optim::Adam> opt;
  torch::Tensor x;
};

OneStep one_step(torch::Device device = torch::kCPU) {
  torch::manual_seed(0);
  auto x = torch::randn({16, 4}).to(device);  // drawn first, then the weights
  OneStep s{make_net(8), nullptr, x};
  s.net->to(device);
  s.opt = std::make_unique<torch::optim::Adam>(s.net->parameters(), 1e-2);
  step(s.net, *s.opt, s.x);
  return s;
}

// save -> load -> step equals two uninterrupted steps, bit for bit.
TEST(Checkpoint, RoundTripContinuesExactly) {
  auto dir = test::temp_dir("checkpoint");
  auto [a, opt_a_ptr, x] = one_step();
  auto& opt_a = *opt_a_ptr;

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

// A CUDA run's file (every tensor recorded on cuda:0) opens on a machine
// without a GPU: h36m-eval --device cpu on a GPU checkpoint.
TEST(Checkpoint, AFileWrittenOnAGpuOpensOnTheCpu) {
  auto dir = test::temp_dir("checkpoint_gpu_file");
  auto [a, opt_a_ptr, x] = one_step();
  auto& opt_a = *opt_a_ptr;
  CheckpointWriter w;
  w.add_module("model", *a);
  w.add_optimizer("optim", opt_a);
  w.add_tensor("stats", torch::arange(3.0));
  w.save(dir + "/cpu.pt");
  std::string out;
  ASSERT_EQ(test::run_command(test::python() + " " + HPE3D_SOURCE_DIR + "/tests/core/retag_checkpoint_device.py " +
                                  dir + "/cpu.pt " + dir + "/cuda.pt cuda:0",
                              &out),
            0)
      << out;

  CheckpointReader r(dir + "/cuda.pt");
  EXPECT_EQ(r.tensor("stats").device(), torch::Device(torch::kCPU));
  auto b = make_net(8);
  torch::optim::Adam opt_b(b->parameters(), 1e-2);
  r.load_module("model", *b);
  r.load_optimizer("optim", opt_b);
  for (const auto& p : b->parameters()) {
    auto& s = static_cast<torch::optim::AdamParamState&>(*opt_b.state().at(optimizer_state_key(p)));
    EXPECT_EQ(s.exp_avg().device(), torch::Device(torch::kCPU));
  }
  step(a, opt_a, x);
  step(b, opt_b, x);
  for (size_t i = 0; i < a->parameters().size(); ++i) EXPECT_TRUE(torch::equal(a->parameters()[i], b->parameters()[i]));
}

// Written from the test device (a GPU with HPE3D_TEST_DEVICE=cuda), read into
// a CPU model, and a CPU file resumed on the test device: weights equal, the
// optimiser's state on its parameters' device, and the next step the same.
TEST(Checkpoint, MovesBetweenDevicesWithTheOptimiserStateOnTheParametersDevice) {
  const auto device = test_device();
  auto dir = test::temp_dir("checkpoint_devices");
  auto [a, opt_a_ptr, x] = one_step(device);
  auto& opt_a = *opt_a_ptr;
  CheckpointWriter w;
  w.add_module("model", *a);
  w.add_optimizer("optim", opt_a);
  w.save(dir + "/device.pt");

  auto cpu = make_net(8);
  torch::optim::Adam opt_cpu(cpu->parameters(), 1e-2);
  CheckpointReader r(dir + "/device.pt");
  EXPECT_EQ(r.written_by(), libtorch_version());
  r.load_module("model", *cpu);
  r.load_optimizer("optim", opt_cpu);
  for (size_t i = 0; i < cpu->parameters().size(); ++i)
    EXPECT_TRUE(torch::equal(cpu->parameters()[i], a->parameters()[i].cpu())) << i;

  CheckpointWriter back;
  back.add_module("model", *cpu);
  back.add_optimizer("optim", opt_cpu);
  back.save(dir + "/cpu.pt");
  auto b = make_net(8);
  b->to(device);
  torch::optim::Adam opt_b(b->parameters(), 1e-2);
  CheckpointReader rb(dir + "/cpu.pt");
  rb.load_module("model", *b);
  rb.load_optimizer("optim", opt_b);
  for (const auto& p : b->parameters()) {
    auto& s = static_cast<torch::optim::AdamParamState&>(*opt_b.state().at(optimizer_state_key(p)));
    EXPECT_EQ(s.exp_avg().device(), p.device());
    EXPECT_EQ(s.exp_avg_sq().device(), p.device());
  }
  step(a, opt_a, x);
  step(b, opt_b, x);
  for (size_t i = 0; i < a->parameters().size(); ++i)
    EXPECT_TRUE(torch::equal(a->parameters()[i].cpu(), b->parameters()[i].cpu())) << i;
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

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

// Every bit of a checkpoint is covered by its CRC: a flipped bit anywhere in
// the content, a cut file and a stretched file are refused by name.
TEST(Checkpoint, CorruptedFilesAreRefusedByName) {
  auto dir = test::temp_dir("checkpoint_crc");
  auto a = make_net(8);
  CheckpointWriter w;
  w.add_module("model", *a);
  w.add_int("step", 3);
  w.save(dir + "/a.pt");
  EXPECT_TRUE(CheckpointReader(dir + "/a.pt").checksummed());
  std::string bytes;
  {
    std::ifstream in(dir + "/a.pt", std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  ASSERT_GT(bytes.size(), 1000u);
  auto write = [&](const std::string& name, const std::string& content) {
    std::ofstream(dir + "/" + name, std::ios::binary) << content;
    return dir + "/" + name;
  };
  for (size_t offset : {size_t{30}, bytes.size() / 2, bytes.size() - 30}) {
    std::string flipped = bytes;
    flipped[offset] = static_cast<char>(flipped[offset] ^ 0x10);
    const auto path = write("flipped.pt", flipped);
    EXPECT_EQ(error_of([&] { CheckpointReader{path}; }),
              path + ": corrupted checkpoint: the content does not match its CRC-32 checksum")
        << "bit flipped at " << offset;
  }
  auto path = write("cut.pt", bytes.substr(0, bytes.size() - 100));
  EXPECT_NE(error_of([&] { CheckpointReader{path}; }).find("cut.pt: corrupted checkpoint: holds"), std::string::npos);
  path = write("short.pt", bytes.substr(0, 12));
  EXPECT_EQ(error_of([&] { CheckpointReader{path}; }), path + ": corrupted checkpoint: truncated header");
  path = write("junk.pt", "\x01\x02junk\n");
  EXPECT_EQ(error_of([&] { CheckpointReader{path}; }), path + ": not an hpe3d checkpoint (no HPE3DCK1 header)");
  EXPECT_NE(error_of([&] { CheckpointReader{dir}; }).find("not a regular file"), std::string::npos);
}

// Found by checkpoint_fuzz: a pre-checksum archive whose TorchScript type
// text is malformed made LibTorch throw torch::jit::ErrorReport, which is no
// c10::Error and escaped the reader.
TEST(Checkpoint, AMalformedArchiveWithoutChecksumIsAnInputError) {
  const std::string path = std::string(HPE3D_SOURCE_DIR) + "/fuzz/regressions/checkpoint/jit_error_report.bin";
  EXPECT_EQ(error_of([&] { CheckpointReader{path}; }),
            path + ": not a readable hpe3d checkpoint (truncated or another format?)");
}

// A checkpoint written before checksums (a bare LibTorch archive) still loads.
TEST(Checkpoint, FilesWithoutChecksumLoadWithALogLine) {
  auto dir = test::temp_dir("checkpoint_legacy");
  torch::manual_seed(3);
  auto a = make_net(8);
  torch::serialize::OutputArchive archive, sub;
  for (const auto& p : a->named_parameters()) sub.write(p.key(), p.value().detach());
  for (const auto& b : a->named_buffers()) sub.write(b.key(), b.value(), true);
  archive.write("model", sub);
  archive.write("step", torch::tensor(int64_t{5}));
  archive.save_to(dir + "/old.pt");
  testing::internal::CaptureStderr();
  CheckpointReader r(dir + "/old.pt");
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_FALSE(r.checksummed());
  EXPECT_NE(log.find("old.pt: written before checkpoints carried a checksum: loaded unverified"), std::string::npos)
      << log;
  auto b = make_net(8);
  r.load_module("model", *b);
  EXPECT_EQ(r.get_int("step"), 5);
  for (size_t i = 0; i < a->parameters().size(); ++i) EXPECT_TRUE(torch::equal(a->parameters()[i], b->parameters()[i]));
}

TEST(Checkpoint, NonFiniteWeightsAreRefused) {
  auto dir = test::temp_dir("checkpoint_nan");
  auto a = make_net(8);
  {
    torch::NoGradGuard no_grad;
    a->parameters()[2][1] = std::numeric_limits<float>::infinity();
  }
  CheckpointWriter w;
  w.add_module("model", *a);
  w.save(dir + "/inf.pt");
  auto b = make_net(8);
  const auto before = b->parameters()[0].clone();
  CheckpointReader r(dir + "/inf.pt");
  EXPECT_NE(error_of([&] { r.load_module("model", *b); }).find("inf.pt: model does not match the model"),
            std::string::npos);
  EXPECT_NE(error_of([&] { r.load_module("model", *b); }).find("holds NaN or Inf"), std::string::npos);
  EXPECT_TRUE(torch::equal(b->parameters()[0], before)) << "a refused load changed the model";
}

// Disk full while saving: a clear error naming the file, the previous
// checkpoint intact, no .tmp left. The limit (ulimit -f) applies in a child
// process, which reports through its exit code.
TEST(Checkpoint, DiskFullKeepsThePreviousFile) {
  auto dir = test::temp_dir("checkpoint_full");
  const std::string path = dir + "/last.pt";
  auto small = make_net(4);
  CheckpointWriter first;
  first.add_module("model", *small);
  first.save(path);
  const auto before = std::filesystem::file_size(path);
  auto big = make_net(16384);  // ~450 kB of weights, over the limit; built before the fork (no threads after it)
  CheckpointWriter w;
  w.add_module("model", *big);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    signal(SIGXFSZ, SIG_IGN);  // as the tools do (core::init_process)
    rlimit limit{64 * 1024, 64 * 1024};
    setrlimit(RLIMIT_FSIZE, &limit);
    try {
      w.save(path);
    } catch (const InputError& e) {
      const std::string msg = e.what();
      _exit(msg.find(path + ": cannot write checkpoint (disk full, or a file-size limit?)") == 0 &&
                    msg.find("the previous file, if any, is unchanged") != std::string::npos
                ? 42
                : 43);
    }
    _exit(44);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 42) << "43: other message, 44: no error";
  EXPECT_EQ(std::filesystem::file_size(path), before);
  auto again = make_net(4);
  CheckpointReader(path).load_module("model", *again);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

}  // namespace
}  // namespace hpe3d::core
