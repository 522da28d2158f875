#include "hpe3d/eval/report.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "hpe3d/geometry/skeleton.h"

namespace hpe3d::eval {
namespace {

// The columns of a table: (title, key, accumulator).
struct Column {
  std::string title, key;
  const ErrorAccumulator* acc;
};

std::vector<Column> columns(const EvalReport& r) {
  std::vector<Column> out;
  for (auto p : r.protocols) out.push_back({fmt::format("P{} {}", static_cast<int>(p), protocol_name(p)),
                                            protocol_key(p), &r.deterministic.at(p)});
  if (r.hypotheses > 1)
    for (auto p : r.protocols) {
      out.push_back({fmt::format("P{} best of {}", static_cast<int>(p), r.hypotheses), protocol_key(p) + "_best_of_k",
                     &r.best_of_k.at(p)});
      out.push_back({fmt::format("P{} mean of {}", static_cast<int>(p), r.hypotheses), protocol_key(p) + "_mean_of_k",
                     &r.mean_of_k.at(p)});
    }
  return out;
}

std::string action_name(const EvalReport& r, int label) {
  return label >= 0 && label < static_cast<int>(r.action_names.size()) ? r.action_names[static_cast<size_t>(label)]
                                                                        : "action " + std::to_string(label);
}

struct Row {
  std::string name;
  std::vector<double> values;
};

std::vector<Row> rows(const EvalReport& r, bool per_subject) {
  auto cols = columns(r);
  std::vector<Row> out;
  if (cols.empty()) return out;
  for (const auto& [action, ignored] : cols[0].acc->per_action()) {
    Row row{action_name(r, action), {}};
    for (const auto& c : cols) row.values.push_back(c.acc->per_action().at(action));
    out.push_back(row);
  }
  Row over_actions{"Average (over actions)", {}}, over_frames{"Average (over frames)", {}};
  for (const auto& c : cols) {
    over_actions.values.push_back(c.acc->mean_over_actions());
    over_frames.values.push_back(c.acc->mean_over_frames());
  }
  out.push_back(over_actions);
  out.push_back(over_frames);
  if (per_subject)
    for (const auto& [subject, ignored] : cols[0].acc->per_subject()) {
      Row row{"Subject S" + std::to_string(subject), {}};
      for (const auto& c : cols) row.values.push_back(c.acc->per_subject().at(subject));
      out.push_back(row);
    }
  return out;
}

nlohmann::json protocol_json(const EvalReport& r, const ErrorAccumulator& acc) {
  nlohmann::json j;
  for (const auto& [action, mm] : acc.per_action()) j["per_action"][action_name(r, action)] = mm;
  for (const auto& [subject, mm] : acc.per_subject()) j["per_subject"]["S" + std::to_string(subject)] = mm;
  j["mean_over_actions"] = acc.mean_over_actions();
  j["mean_over_frames"] = acc.mean_over_frames();
  return j;
}

std::vector<double> observed_levels(const CalibrationAccumulator& c, int joint) {
  std::vector<double> out;
  for (int i = 0; i < CalibrationAccumulator::kLevels; ++i)
    out.push_back(joint < 0 ? c.observed(i) : c.observed(joint, i));
  return out;
}

// "| q | 0.1 | ... | 0.9 | ECE |", the mean over joints, then one row a joint.
std::string calibration_markdown(const EvalReport& r) {
  const auto& c = r.calibration;
  std::string s = fmt::format(
      "\nCalibration of the {} hypotheses: fraction of ground-truth joints inside the samples' central "
      "q-region (calibrated: = q; below q: over-confident)\n\n| Joint |",
      r.hypotheses);
  for (int i = 0; i < CalibrationAccumulator::kLevels; ++i) s += fmt::format(" q={:.1f} |", CalibrationAccumulator::level(i));
  s += " ECE |\n|---|";
  for (int i = 0; i <= CalibrationAccumulator::kLevels; ++i) s += "---:|";
  s += "\n";
  auto row = [&](const std::string& name, int joint) {
    s += "| " + name + " |";
    for (double v : observed_levels(c, joint)) s += fmt::format(" {:.3f} |", v);
    s += fmt::format(" {:.3f} |\n", joint < 0 ? c.ece() : c.ece(joint));
  };
  row("**All joints**", -1);
  for (int j = 0; j < geometry::kNumJoints; ++j)
    if (j != geometry::kRootJoint) row(geometry::joint_names()[static_cast<size_t>(j)], j);
  return s;
}

nlohmann::json calibration_json(const CalibrationAccumulator& c) {
  nlohmann::json j;
  for (int i = 0; i < CalibrationAccumulator::kLevels; ++i) j["levels"].push_back(CalibrationAccumulator::level(i));
  j["observed"] = observed_levels(c, -1);
  j["ece"] = c.ece();
  for (int joint = 0; joint < geometry::kNumJoints; ++joint)
    if (joint != geometry::kRootJoint)
      j["per_joint"][geometry::joint_names()[static_cast<size_t>(joint)]] = {{"observed", observed_levels(c, joint)},
                                                                           {"ece", c.ece(joint)}};
  return j;
}

}  // namespace

int64_t EvalReport::frames() const {
  return deterministic.empty() ? 0 : deterministic.begin()->second.count();
}

std::string to_markdown(const EvalReport& r, bool per_subject) {
  auto cols = columns(r);
  std::string s = "| Action |";
  for (const auto& c : cols) s += " " + c.title + " (mm) |";
  s += "\n|---|";
  for (size_t i = 0; i < cols.size(); ++i) s += "---:|";
  s += "\n";
  for (const auto& row : rows(r, per_subject)) {
    bool bold = row.name.rfind("Average", 0) == 0;
    s += "| " + (bold ? "**" + row.name + "**" : row.name) + " |";
    for (double v : row.values) s += fmt::format(" {:.1f} |", v);
    s += "\n";
  }
  s += fmt::format("\n{} poses, {} joints in the mean{}\n", r.frames(), r.joints,
                   r.hypotheses > 1 ? fmt::format(", {} hypotheses", r.hypotheses) : "");
  if (r.hypotheses > 1) s += calibration_markdown(r);
  return s;
}

std::string to_csv(const EvalReport& r, bool per_subject) {
  std::string s = "action";
  for (const auto& c : columns(r)) s += "," + c.key + "_mm";
  s += "\n";
  for (const auto& row : rows(r, per_subject)) {
    s += row.name.find(',') == std::string::npos ? row.name : "\"" + row.name + "\"";
    for (double v : row.values) s += fmt::format(",{:.4f}", v);
    s += "\n";
  }
  return s;
}

std::string to_json(const EvalReport& r) {
  nlohmann::json j;
  for (auto p : r.protocols) {
    auto& pj = j["protocols"][protocol_key(p)];
    pj = protocol_json(r, r.deterministic.at(p));
    if (r.hypotheses > 1) {
      pj["best_of_k"] = protocol_json(r, r.best_of_k.at(p));
      pj["mean_of_k"] = protocol_json(r, r.mean_of_k.at(p));
    }
  }
  j["frames"] = r.frames();
  j["joints"] = r.joints;
  j["hypotheses"] = r.hypotheses;
  if (r.hypotheses > 1) j["calibration"] = calibration_json(r.calibration);
  return j.dump(2) + "\n";
}

}  // namespace hpe3d::eval
