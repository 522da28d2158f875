#pragma once
// Encoder->decoder pairs of a training scheme: "pose2d->pose3d", "rgb->rgb", ...
#include <string>
#include <vector>

#include "hpe3d/models/modality.h"

namespace hpe3d::models {

struct Pair {
  Modality from;
  Modality to;
  std::string name() const;  // "pose2d->pose3d"
};

// Throws core::InputError("<what>: expected FROM->TO ...") on a malformed entry.
Pair parse_pair(const std::string& text, const std::string& what);
std::vector<Pair> parse_pairs(const std::vector<std::string>& texts, const std::string& what);

}  // namespace hpe3d::models
