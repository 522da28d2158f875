#include "hpe3d/core/config_yaml.h"

#include <fstream>

#include <gtest/gtest.h>

#include "test_util.h"

namespace hpe3d::core {
namespace {

struct BetaConfig {
  std::string schedule = "constant";
  double max = 1e-3;
  template <class V>
  void visit(V& v) {
    v.field("schedule", schedule, "beta schedule", Choices{"constant", "linear", "cyclical"});
    v.field("max", max, "largest beta", Range{0.0, 100.0});
  }
};

struct TrainConfig {
  int epochs = 10;
  std::vector<int> subjects{1, 5};
  bool flip = false;
  BetaConfig beta;
  template <class V>
  void visit(V& v) {
    v.field("epochs", epochs, "epochs", Range{1, 1e6});
    v.field("subjects", subjects, "training subjects");
    v.field("flip", flip, "flip augmentation");
    v.section("beta", beta);
  }
};

struct Root {
  TrainConfig train;
  template <class V>
  void visit(V& v) {
    v.section("train", train);
  }
};

std::string write(const std::string& name, const std::string& text) {
  std::string path = test::temp_dir("config_" + name) + "/" + name;
  std::ofstream(path) << text;
  return path;
}

std::string error_of(const std::string& path, const std::vector<std::string>& overrides = {}) {
  try {
    load_config<Root>(path, overrides);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(ConfigYaml, LoadsKeysKeepsDefaultsAndAppliesOverrides) {
  auto path = write("ok.yaml", "train:\n  epochs: 3\n  beta:\n    schedule: cyclical\n");
  auto c = load_config<Root>(path, {"train.beta.max=0.5", "train.subjects=[9, 11]"});
  EXPECT_EQ(c.train.epochs, 3);
  EXPECT_EQ(c.train.beta.schedule, "cyclical");
  EXPECT_DOUBLE_EQ(c.train.beta.max, 0.5);
  EXPECT_EQ(c.train.subjects, (std::vector<int>{9, 11}));
  EXPECT_FALSE(c.train.flip);
  // The written YAML reads back to the same values.
  auto again = load_config<Root>(write("again.yaml", to_yaml(c)));
  EXPECT_EQ(to_yaml(again), to_yaml(c));
}

TEST(ConfigYaml, ErrorsNameTheFileAndKeyPath) {
  auto path = write("bad.yaml", "train:\n  beta:\n    schedule: cyclic\n");
  EXPECT_EQ(error_of(path),
            path + ": train.beta.schedule: expected one of constant|linear|cyclical, got \"cyclic\"");
  path = write("unknown.yaml", "train:\n  epoch: 3\n");
  EXPECT_EQ(error_of(path), path + ": train.epoch: unknown key");
  path = write("twice.yaml", "train: {epochs: 1, epochs: 2}\n");
  EXPECT_EQ(error_of(path), path + ": train.epochs: key given twice");
  path = write("type.yaml", "train:\n  epochs: many\n");
  EXPECT_EQ(error_of(path), path + ": train.epochs: expected an integer, got \"many\"");
  path = write("range.yaml", "train:\n  epochs: 0\n");
  EXPECT_NE(error_of(path).find("train.epochs: expected a value in [1, "), std::string::npos);
  path = write("list.yaml", "train:\n  subjects: 9\n");
  EXPECT_EQ(error_of(path), path + ": train.subjects: expected a list of integer, got \"9\"");
  EXPECT_EQ(error_of(write("ok2.yaml", "{}"), {"train.nope=1"}), write("ok2.yaml", "{}") + ": train.nope: unknown key");
  EXPECT_NE(error_of(write("ok3.yaml", "{}"), {"train.epochs"}).find("expected key.path=value"),
            std::string::npos);
  EXPECT_EQ(error_of("/nonexistent.yaml"), "/nonexistent.yaml: cannot open config file");
}

TEST(ConfigYaml, DocumentationListsEveryKey) {
  Root r;
  DocWriter d;
  r.visit(d);
  ASSERT_EQ(d.rows().size(), 5u);
  EXPECT_EQ(d.rows()[3], "| `train.beta.schedule` | string | `constant` | beta schedule (constant \\| linear \\| cyclical) |");
}

}  // namespace
}  // namespace hpe3d::core
