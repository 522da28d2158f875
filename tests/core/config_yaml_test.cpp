#include "hpe3d/core/config_yaml.h"

#include <sys/stat.h>

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
  // An override's error names the override, not the file.
  EXPECT_EQ(error_of(write("ok2.yaml", "{}"), {"train.nope=1"}), "--set \"train.nope=1\": train.nope: unknown key");
  EXPECT_NE(error_of(write("ok3.yaml", "{}"), {"train.epochs"}).find("expected key.path=value"),
            std::string::npos);
  EXPECT_EQ(error_of("/nonexistent.yaml"), "/nonexistent.yaml: cannot open config file (no such file)");
}

// NaN fails every comparison, so a bounds test alone let ".nan" through.
struct Numbers {
  double bounded = 1, open = 2;
  std::vector<double> list{1.0};
  template <class V>
  void visit(V& v) {
    v.field("bounded", bounded, "in a range", Range{0, 10});
    v.field("open", open, "no range");
    v.field("list", list, "a list");
  }
};

TEST(ConfigYaml, NanAndInfAreRefusedByEveryNumericField) {
  for (const char* value : {".nan", ".inf", "-.inf", ".NaN"}) {
    for (const char* key : {"bounded", "open"}) {
      try {
        config_from_yaml<Numbers>(YAML::Load(std::string(key) + ": " + value), "n.yaml");
        ADD_FAILURE() << key << "=" << value << " accepted";
      } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find(std::string("n.yaml: ") + key + ": expected a finite number"),
                  std::string::npos)
            << e.what();
      }
    }
    EXPECT_THROW(config_from_yaml<Numbers>(YAML::Load(std::string("list: [1, ") + value + "]"), "n.yaml"),
                 InputError);
  }
  try {
    config_from_yaml<Numbers>(YAML::Load("{}"), "n.yaml", {"bounded=.nan"});
    ADD_FAILURE() << "accepted";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "--set \"bounded=.nan\": bounded: expected a finite number, got nan");
  }
}

// --config must name a regular file holding a mapping; an empty one runs on
// defaults, with a warning.
TEST(ConfigYaml, ConfigFileMustBeARegularFileWithAMapping) {
  const auto dir = test::temp_dir("config_files");
  EXPECT_EQ(error_of(dir), dir + ": config file must be a regular file, not a directory");
  const std::string fifo = dir + "/fifo.yaml";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(error_of(fifo), fifo + ": config file must be a regular file, not a FIFO, socket or device");
  auto path = write("scalar.yaml", "just a sentence\n");
  EXPECT_EQ(error_of(path), path + ": expected a mapping of keys at the top level, got \"just a sentence\"");
  path = write("list.yaml", "- 1\n- 2\n");
  EXPECT_EQ(error_of(path), path + ": expected a mapping of keys at the top level, got a list");
  // Raw bytes of the file reach the message quoted, escaped and cut.
  path = write("binary.yaml", std::string("\x01\x02") + std::string(300, 'z') + "\n");
  const std::string msg = error_of(path);
  EXPECT_NE(msg.find("got \"\\x01\\x02zzz"), std::string::npos) << msg;
  EXPECT_NE(msg.find("zzz\"..."), std::string::npos) << msg;
  EXPECT_LT(msg.size(), path.size() + 200) << msg;
  for (const char* empty : {"", "# only a comment\n", "{}\n"}) {
    path = write("empty.yaml", empty);
    testing::internal::CaptureStderr();
    const auto c = load_config<Root>(path);
    const std::string log = testing::internal::GetCapturedStderr();
    EXPECT_EQ(c.train.epochs, 10);
    EXPECT_NE(log.find("empty.yaml: empty config file: every key takes its default"), std::string::npos) << log;
  }
}

TEST(ConfigYaml, KeysFromTheFileAreEscapedInMessages) {
  auto path = write("key.yaml", "train: {\"ep\\nochs\": 3}\n");
  const std::string msg = error_of(path);
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  EXPECT_NE(msg.find("train.ep\\nochs: unknown key"), std::string::npos) << msg;
}

// Found by config_fuzz: an override on a document that is not a mapping made
// yaml-cpp throw BadSubscript past the strict reader.
TEST(ConfigYaml, OverridesOnANonMappingDocumentAreAnInputError) {
  for (const char* text : {"just text", "[1, 2]", "42"}) {
    try {
      config_from_yaml<Root>(YAML::Load(text), "s.yaml", {"train.epochs=3"});
      ADD_FAILURE() << text << " accepted";
    } catch (const InputError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("--set \"train.epochs=3\": the config's top level is ", 0), 0u) << e.what();
    }
  }
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
