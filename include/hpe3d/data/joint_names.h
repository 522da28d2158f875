#pragma once
// Tolerant matching of motion-capture joint names across conventions.
//
//   canonical_joint_name("mixamorig:LeftUpLeg") == "left upleg"
//   canonical_joint_name("UpperLeg_L")          == "left upperleg"
//   canonical_joint_name("lThigh")              == "left thigh"
//   canonical_joint_name("Bip01 R Calf")        == "right bip01calf"
//   canonical_joint_name("KneeLeft")            == "left knee"
//
// A name is cut at its last ':' (namespaces such as "mixamorig:"), split into
// words at separators (space _ . -) and at case changes ("LeftUpLeg" -> Left Up
// Leg, "LHipJoint" -> L Hip Joint, "lThigh" -> l Thigh); a word "left"/"l" or
// "right"/"r" (any case) is the side and is removed; the other words are
// lower-cased and joined. A side is part of the canonical name, so matching
// never maps a left joint to a right one. A single lower-case word keeps its
// letters ("lowerback", "lhand": no side is read into them).
#include <string>
#include <vector>

namespace hpe3d::data {

std::string canonical_joint_name(const std::string& name);

// Index in `names` of the joint called `wanted`: the exact name if present,
// else the one name with the same canonical form; -1 if none, -2 if several
// names share the canonical form and none is exact (ambiguous).
int find_joint_name(const std::vector<std::string>& names, const std::string& wanted);

}  // namespace hpe3d::data
