#include "hpe3d/data/h36m_actions.h"

#include <algorithm>
#include <cctype>
#include <map>

namespace hpe3d::data {

const std::vector<std::string>& h36m_action_names() {
  static const std::vector<std::string> names = {
      "Directions", "Discussion", "Eating",  "Greeting", "Phoning",
      "Photo",      "Posing",     "Purchases", "Sitting", "SittingDown",
      "Smoking",    "Waiting",    "WalkDog", "Walking",  "WalkTogether"};
  return names;
}

int h36m_action_index(const std::string& canonical) {
  const auto& names = h36m_action_names();
  auto it = std::find(names.begin(), names.end(), canonical);
  return it == names.end() ? -1 : static_cast<int>(it - names.begin());
}

std::optional<SequenceName> parse_h36m_sequence_name(const std::string& name) {
  static const std::map<std::string, std::string> aliases = {{"TakingPhoto", "Photo"},
                                                             {"WalkingDog", "WalkDog"}};
  std::string base = name;
  int subaction = 0;
  // A trailing number separated by a space or underscore: "Directions 1", "Eating_2".
  auto sep = base.find_last_of(" _");
  if (sep != std::string::npos && sep + 1 < base.size() &&
      std::all_of(base.begin() + static_cast<long>(sep) + 1, base.end(),
                  [](unsigned char c) { return std::isdigit(c); })) {
    subaction = std::stoi(base.substr(sep + 1));
    base = base.substr(0, sep);
  }
  if (auto it = aliases.find(base); it != aliases.end()) base = it->second;
  if (h36m_action_index(base) < 0) return std::nullopt;
  return SequenceName{base, subaction};
}

}  // namespace hpe3d::data
