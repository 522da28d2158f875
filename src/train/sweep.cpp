#include "hpe3d/train/sweep.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>  // fmt::join (fmt 11 moved it here)

#include "hpe3d/core/atomic_file.h"
#include "hpe3d/core/config_yaml.h"
#include "hpe3d/core/distributed_env.h"
#include "hpe3d/core/error.h"
#include "hpe3d/core/experiment_config.h"
#include "hpe3d/core/logging.h"
#include "hpe3d/train/trainer.h"

namespace hpe3d::train {

namespace {

std::string flow(const YAML::Node& value) {
  YAML::Emitter e;
  e << YAML::Flow << value;
  return e.c_str();
}

// The list form: one run per entry, each a mapping of key.path: value ({}: the file as it is).
std::vector<std::vector<std::string>> listed_runs(const YAML::Node& sweep, const std::string& file) {
  std::vector<std::vector<std::string>> runs;
  for (size_t i = 0; i < sweep.size(); ++i) {
    const auto& run = sweep[i];
    const std::string where = file + ": sweep[" + std::to_string(i) + "]";
    if (!run.IsMap()) core::fail(where, "expected a mapping of key.path: value ({} for the file as it is)");
    std::vector<std::string> row;
    for (const auto& kv : run) {
      if (kv.second.IsSequence() || kv.second.IsMap())
        core::fail(where + "." + kv.first.Scalar(), "expected one value (the grid form takes lists)");
      row.push_back(kv.first.Scalar() + "=" + flow(kv.second));
    }
    runs.push_back(row);
  }
  return runs;
}

}  // namespace

std::vector<std::vector<std::string>> expand_sweep(const YAML::Node& sweep, const std::string& file) {
  if (sweep.IsSequence() && sweep.size() > 0) {
    if (sweep.size() > static_cast<size_t>(kDefaultMaxRuns))
      core::fail(file + ": sweep", fmt::format("{} runs exceed {}: split the list", sweep.size(), kDefaultMaxRuns));
    return listed_runs(sweep, file);
  }
  if (!sweep.IsMap() || sweep.size() == 0) core::fail(file + ": sweep", "expected a mapping of key.path: [values] (a grid) or a list of mappings (one run each)");
  // The size of the grid is known, and checked, before any of it is built.
  int64_t max_runs = kDefaultMaxRuns;
  double runs = 1;
  std::string factors;
  for (const auto& kv : sweep) {
    const std::string key = kv.first.Scalar();
    if (key == kMaxRunsKey) {
      max_runs = core::detail::convert<int64_t>(kv.second, file + ": sweep." + key);
      core::detail::check(max_runs, core::Range{1, 1e6}, file + ": sweep." + key);
      continue;
    }
    if (!kv.second.IsSequence() || kv.second.size() == 0)
      core::fail(file + ": sweep." + core::quote(key), "expected a non-empty list of values");
    runs *= static_cast<double>(kv.second.size());
    factors += (factors.empty() ? "" : " x ") + std::to_string(kv.second.size());
  }
  if (factors.empty()) core::fail(file + ": sweep", "expected at least one key.path: [values]");
  if (runs > static_cast<double>(max_runs))
    core::fail(file + ": sweep", fmt::format("{:.0f} runs ({}) exceed sweep.max_runs ({}): raise max_runs in the "
                                             "sweep block to run them all",
                                             runs, factors, max_runs));
  std::vector<std::vector<std::string>> grid{{}};
  for (const auto& kv : sweep) {
    const std::string key = kv.first.Scalar();
    if (key == kMaxRunsKey) continue;
    std::vector<std::vector<std::string>> next;
    for (const auto& partial : grid) {
      for (const auto& value : kv.second) {
        auto row = partial;
        row.push_back(key + "=" + flow(value));
        next.push_back(row);
      }
    }
    grid = std::move(next);
  }
  return grid;
}

namespace {

// One row of a summary: the grid index, the run directory's name
// (<name>_<index>), the swept values and the result, as in sweep_summary.csv.
struct SummaryRow {
  int64_t index = 0;
  std::string run;
  std::vector<std::string> values, result;  // result: best_val_mpjpe_mm, best_epoch, seconds
};

std::string csv_field(const std::string& v) {
  return v.find_first_of(",\"") == std::string::npos ? v : "\"" + std::regex_replace(v, std::regex("\""), "\"\"") + "\"";
}

std::vector<std::string> parse_csv_line(const std::string& line) {
  std::vector<std::string> out{""};
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') out.back() += '"', ++i;
    else if (c == '"') quoted = !quoted;
    else if (c == ',' && !quoted) out.emplace_back();
    else out.back() += c;
  }
  return out;
}

std::string csv_header(const std::vector<std::string>& keys) {
  std::vector<std::string> cols{"run"};
  for (const auto& k : keys) cols.push_back(csv_field(k));
  cols.insert(cols.end(), {"best_val_mpjpe_mm", "best_epoch", "seconds"});
  return fmt::format("{}\n", fmt::join(cols, ","));
}

std::string csv_rows(const std::vector<SummaryRow>& rows) {
  std::string out;
  for (const auto& row : rows) {
    std::vector<std::string> cols{csv_field(row.run)};
    for (const auto& v : row.values) cols.push_back(csv_field(v));
    for (const auto& v : row.result) cols.push_back(v);
    out += fmt::format("{}\n", fmt::join(cols, ","));
  }
  return out;
}

void write_summary(const std::string& root, const std::vector<std::string>& keys, const std::vector<SummaryRow>& rows) {
  std::ostringstream md;
  md << "| run | " << fmt::format("{}", fmt::join(keys, " | "))
     << " | best val MPJPE (mm) | best epoch | time (s) |\n|---|";
  for (size_t k = 0; k < keys.size(); ++k) md << "---|";
  md << "---|---|---|\n";
  for (const auto& row : rows)
    md << fmt::format("| {} | {} | {:.2f} | {} | {:.1f} |\n", row.run, fmt::join(row.values, " | "),
                      std::stod(row.result[0]), row.result[1], std::stod(row.result[2]));
  core::write_file_atomically(root + "/sweep_summary.md", md.str());
  core::write_file_atomically(root + "/sweep_summary.csv", csv_header(keys) + csv_rows(rows));
}

int env_int(const char* name) {
  const char* v = std::getenv(name);
  char* end = nullptr;
  const long x = v != nullptr ? std::strtol(v, &end, 10) : -1;
  if (v == nullptr || *v == '\0' || *end != '\0' || x < 0)
    core::fail(name, std::string("expected a non-negative integer, got \"") + (v ? v : "") + "\"");
  return static_cast<int>(x);
}

}  // namespace

std::pair<int, int> sweep_shard(const std::string& flag) {
  if (!flag.empty()) {
    std::smatch m;
    if (!std::regex_match(flag, m, std::regex(R"((\d{1,6})/(\d{1,6}))")) || std::stoi(m[2]) < 1 ||
        std::stoi(m[1]) >= std::stoi(m[2]))
      core::fail("--sweep-shard", "expected I/N with 0 <= I < N, got \"" + flag + "\"");
    return {std::stoi(m[1]), std::stoi(m[2])};
  }
  if (std::getenv("SLURM_ARRAY_TASK_ID") == nullptr || std::getenv("SLURM_ARRAY_TASK_COUNT") == nullptr) return {0, 1};
  const int min = std::getenv("SLURM_ARRAY_TASK_MIN") ? env_int("SLURM_ARRAY_TASK_MIN") : 0;
  const int id = env_int("SLURM_ARRAY_TASK_ID") - min, count = env_int("SLURM_ARRAY_TASK_COUNT");
  if (count < 1 || id < 0 || id >= count)
    core::fail("SLURM_ARRAY_TASK_ID", fmt::format("task {} (minus SLURM_ARRAY_TASK_MIN) is not below "
                                                  "SLURM_ARRAY_TASK_COUNT {}: use a contiguous --array=0-{}",
                                                  id, count, count - 1));
  return {id, count};
}

SweepResult run_sweep(const SweepOptions& options) {
  auto log = core::logger("sweep");
  YAML::Node root = core::load_yaml_file(options.config_path);
  const YAML::Node sweep = root["sweep"];
  auto grid = expand_sweep(sweep, options.config_path);
  root.remove("sweep");
  if (options.shards < 1 || options.shard < 0 || options.shard >= options.shards)
    core::fail("--sweep-shard", fmt::format("shard {} of {}", options.shard, options.shards));
  // Rank 0 writes the summary of a data-parallel sweep (every rank trains every run).
  const bool writes = core::detect_distributed_env().rank == 0;
  if (writes) std::filesystem::create_directories(options.output_root);

  // Every run's config is checked before the first one trains.
  std::vector<core::ExperimentConfig> configs;
  for (const auto& values : grid) {
    auto overrides = options.overrides;
    overrides.insert(overrides.end(), values.begin(), values.end());
    configs.push_back(core::config_from_yaml<core::ExperimentConfig>(YAML::Clone(root), options.config_path, overrides));
    check_config(configs.back(), fmt::format("{} (sweep: {})", options.config_path, fmt::join(values, " ")));
  }
  // Columns: every swept key in order of appearance; a listed run that leaves
  // one as the file has it shows "base".
  std::vector<std::string> keys;
  auto key_of = [](const std::string& override_) { return override_.substr(0, override_.find('=')); };
  for (const auto& values : grid)
    for (const auto& v : values)
      if (std::find(keys.begin(), keys.end(), key_of(v)) == keys.end()) keys.push_back(key_of(v));
  std::vector<SummaryRow> rows;
  bool interrupted = false;
  for (size_t i = 0; i < grid.size(); ++i) {
    if (static_cast<int>(i % static_cast<size_t>(options.shards)) != options.shard) continue;
    const auto& config = configs[i];
    const std::string dir = fmt::format("{}/{}_{:03d}", options.output_root, config.name, i);
    log->info("run {}/{}: {} -> {}", i + 1, grid.size(), fmt::join(grid[i], " "), dir);
    Trainer trainer(config, {dir, false, -1});
    auto result = trainer.run();
    SummaryRow row{static_cast<int64_t>(i), std::filesystem::path(dir).filename().string(), {}, {}};
    for (const auto& key : keys) {
      auto it = std::find_if(grid[i].begin(), grid[i].end(), [&](const std::string& v) { return key_of(v) == key; });
      row.values.push_back(it == grid[i].end() ? "base" : it->substr(it->find('=') + 1));
    }
    row.result = {fmt::format("{:.4f}", result.best_val_mpjpe), std::to_string(result.best_epoch),
                  fmt::format("{:.2f}", result.seconds)};
    rows.push_back(std::move(row));
    interrupted = result.interrupted;
    if (interrupted) break;
  }

  if (writes && options.shards == 1) {
    write_summary(options.output_root, keys, rows);
    log->info("wrote {}/sweep_summary.md and .csv ({} runs)", options.output_root, rows.size());
  } else if (writes) {
    const auto file = fmt::format("{}/sweep_summary.shard-{}-of-{}.csv", options.output_root, options.shard,
                                  options.shards);
    core::write_file_atomically(file, csv_header(keys) + csv_rows(rows));
    log->info("wrote {} ({} runs); merge the shards with --sweep-summary {}", file, rows.size(), options.output_root);
  }
  return {static_cast<int>(rows.size()), interrupted};
}

int merge_sweep_summaries(const std::string& dir) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(dir)) core::fail(dir, "not a directory");
  const std::regex name(R"(sweep_summary\.shard-(\d+)-of-(\d+)\.csv)");
  std::map<int, std::string> shards;
  int count = -1;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::smatch m;
    const auto file = entry.path().filename().string();
    if (!std::regex_match(file, m, name)) continue;
    const int n = std::stoi(m[2]);
    if (count >= 0 && n != count) core::fail(dir, fmt::format("holds shards of {} and of {} (two sweeps?)", count, n));
    count = n;
    shards[std::stoi(m[1])] = entry.path().string();
  }
  if (shards.empty()) core::fail(dir, "no sweep_summary.shard-I-of-N.csv (run the shards with --sweep-shard I/N)");
  for (int i = 0; i < count; ++i)
    if (!shards.count(i)) core::fail(dir, fmt::format("sweep_summary.shard-{}-of-{}.csv is missing (that shard has not finished)", i, count));
  std::string header;
  std::vector<SummaryRow> rows;
  for (const auto& [i, file] : shards) {
    std::ifstream in(file);
    std::string line;
    std::getline(in, line);
    if (header.empty()) header = line;
    if (line != header) core::fail(file, "its columns differ from the other shards' (another sweep?)");
    const auto cols = parse_csv_line(header);
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      auto f = parse_csv_line(line);
      std::smatch m;
      if (f.size() != cols.size() || cols.size() < 4 || !std::regex_match(f[0], m, std::regex(R"(.*_(\d+))")))
        core::fail(file, "malformed row: " + line);
      SummaryRow row;
      row.index = std::stoll(m[1]);
      row.run = f[0];
      row.values.assign(f.begin() + 1, f.end() - 3);
      row.result.assign(f.end() - 3, f.end());
      rows.push_back(std::move(row));
    }
  }
  std::sort(rows.begin(), rows.end(), [](const SummaryRow& a, const SummaryRow& b) { return a.index < b.index; });
  for (size_t k = 1; k < rows.size(); ++k)
    if (rows[k].index == rows[k - 1].index) core::fail(dir, fmt::format("grid point {} appears in two shards", rows[k].index));
  const auto cols = parse_csv_line(header);
  const std::vector<std::string> keys(cols.begin() + 1, cols.end() - 3);
  write_summary(dir, keys, rows);
  core::logger("sweep")->info("wrote {}/sweep_summary.md and .csv ({} runs from {} shards)", dir, rows.size(), count);
  return static_cast<int>(rows.size());
}

}  // namespace hpe3d::train
