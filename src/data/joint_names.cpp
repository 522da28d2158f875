#include "hpe3d/data/joint_names.h"

#include <cctype>

namespace hpe3d::data {
namespace {

bool is_separator(char c) { return c == ' ' || c == '_' || c == '.' || c == '-' || c == '\t'; }
bool upper(char c) { return std::isupper(static_cast<unsigned char>(c)) != 0; }
bool lower(char c) { return std::islower(static_cast<unsigned char>(c)) != 0; }

std::vector<std::string> split_words(const std::string& name) {
  std::vector<std::string> words;
  std::string word;
  auto flush = [&] {
    if (!word.empty()) words.push_back(word);
    word.clear();
  };
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (is_separator(c)) {
      flush();
      continue;
    }
    if (!word.empty() && upper(c)) {
      const char prev = word.back();
      const bool next_lower = i + 1 < name.size() && lower(name[i + 1]);
      // "upLeg" -> up|Leg; "LHip" -> L|Hip; "lThigh" -> l|Thigh; "HIP" stays whole.
      if (lower(prev) || (upper(prev) && next_lower)) flush();
    }
    word.push_back(c);
  }
  flush();
  return words;
}

std::string lowercase(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string canonical_joint_name(const std::string& name) {
  const auto colon = name.find_last_of(':');
  const std::string base = colon == std::string::npos ? name : name.substr(colon + 1);
  std::string side;
  std::string rest;
  for (const auto& w : split_words(base)) {
    const std::string l = lowercase(w);
    const std::string word_side = (l == "left" || l == "l") ? "left" : (l == "right" || l == "r") ? "right" : "";
    if (!word_side.empty() && side.empty()) {
      side = word_side;
      continue;
    }
    if (!word_side.empty()) return lowercase(base);  // two sides in one name: no side is read
    rest += l;
  }
  if (rest.empty()) return lowercase(base);  // a joint called "L": not a side
  return side.empty() ? rest : side + " " + rest;
}

int find_joint_name(const std::vector<std::string>& names, const std::string& wanted) {
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == wanted) return static_cast<int>(i);
  const std::string key = canonical_joint_name(wanted);
  int found = -1;
  for (size_t i = 0; i < names.size(); ++i) {
    if (canonical_joint_name(names[i]) != key) continue;
    if (found >= 0) return -2;
    found = static_cast<int>(i);
  }
  return found;
}

}  // namespace hpe3d::data
