#include "hpe3d/models/pair.h"

#include "hpe3d/core/error.h"

namespace hpe3d::models {

std::string Pair::name() const { return modality_name(from) + "->" + modality_name(to); }

Pair parse_pair(const std::string& text, const std::string& what) {
  auto arrow = text.find("->");
  if (arrow == std::string::npos)
    core::fail(what, "expected FROM->TO (e.g. pose2d->pose3d), got \"" + text + "\"");
  return {parse_modality(text.substr(0, arrow), what),
          parse_modality(text.substr(arrow + 2), what)};
}

std::vector<Pair> parse_pairs(const std::vector<std::string>& texts, const std::string& what) {
  if (texts.empty()) core::fail(what, "at least one pair is needed");
  std::vector<Pair> out;
  for (const auto& t : texts) out.push_back(parse_pair(t, what));
  return out;
}

}  // namespace hpe3d::models
