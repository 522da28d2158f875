#pragma once
// Declarative config fields. A config struct lists its keys once, with default
// (the member initialiser), meaning and allowed values:
//
//   struct OptimConfig {
//     double lr = 1e-3;
//     std::string kind = "adam";
//     template <class V> void visit(V& v) {
//       v.field("lr", lr, "learning rate", Range{0.0, 10.0});
//       v.field("kind", kind, "optimiser", Choices{"adam", "adamw", "sgd"});
//     }
//   };
//
// and every visitor (strict YAML reader, YAML writer, documentation table)
// walks the same list, so the docs, the loader and the saved config cannot
// drift apart. Nested structs use v.section("name", member).
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace hpe3d::core {

// Inclusive numeric bounds.
struct Range {
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
};

// Allowed values of a string field.
struct Choices {
  std::vector<std::string> values;
  Choices(std::initializer_list<std::string> v) : values(v) {}
};

}  // namespace hpe3d::core
