// libFuzzer harness: the BVH parser and forward kinematics on arbitrary text.
// A well-formed clip must give finite positions; anything else must be a
// core::InputError (one line), never a crash, a hang or an unbounded allocation.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "hpe3d/core/error.h"
#include "one_line.h"
#include "hpe3d/data/bvh.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    auto clip = hpe3d::data::parse_bvh_text(text, "fuzz.bvh");
    if (clip.num_frames() > 64) return 0;  // FK cost grows with frames; the parser is the target
    auto xyz = hpe3d::data::forward_kinematics(clip);
    if (!torch::isfinite(xyz).all().item<bool>()) std::abort();  // bounded inputs, bounded outputs
  } catch (const hpe3d::core::InputError& e) {
    hpe3d::fuzz::require_one_line(e.what());
  }
  return 0;
}
