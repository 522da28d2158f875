#pragma once
// Human3.6M action names: the 15 canonical names (the /action_names of every
// file prepared from Human3.6M) and the parsing of sequence names such as
// "Directions 1", "TakingPhoto", "WalkingDog 2" into (action, subaction).
#include <optional>
#include <string>
#include <vector>

namespace hpe3d::data {

// Directions, Discussion, Eating, Greeting, Phoning, Photo, Posing, Purchases,
// Sitting, SittingDown, Smoking, Waiting, WalkDog, Walking, WalkTogether.
const std::vector<std::string>& h36m_action_names();

struct SequenceName {
  std::string action;  // canonical name
  int subaction = 0;   // the trailing number; 0 when the name has none
};

// Whole-name matching, so "Sitting" never matches "SittingDown" and "Walking"
// never "WalkDog"/"WalkTogether". Aliases: TakingPhoto -> Photo, WalkingDog ->
// WalkDog. Returns nullopt for names that are not Human3.6M actions ("_ALL").
std::optional<SequenceName> parse_h36m_sequence_name(const std::string& name);

// Index of a canonical name in h36m_action_names(); -1 if absent.
int h36m_action_index(const std::string& canonical);

}  // namespace hpe3d::data
