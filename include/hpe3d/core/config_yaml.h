#pragma once
// Visitors over declarative config fields (config_fields.h): strict loading
// from YAML, writing to YAML, dotted overrides ("train.lr=3e-4"), and a
// Markdown reference table.
#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "hpe3d/core/config_fields.h"
#include "hpe3d/core/error.h"

namespace hpe3d::core {

namespace detail {

template <class T>
struct is_vector : std::false_type {};
template <class T>
struct is_vector<std::vector<T>> : std::true_type {};

template <class T>
std::string type_name() {
  if constexpr (std::is_same_v<T, bool>) return "bool";
  else if constexpr (std::is_integral_v<T>) return "integer";
  else if constexpr (std::is_floating_point_v<T>) return "number";
  else if constexpr (std::is_same_v<T, std::string>) return "string";
  else if constexpr (is_vector<T>::value) return "list of " + type_name<typename T::value_type>();
  else return "section";
}

std::string describe(const YAML::Node& node);

// "expected an integer", "expected a string", ...
inline std::string article(const std::string& type) {
  return std::string("expected ") + (type[0] == 'i' ? "an " : "a ") + type;
}

template <class T>
T convert(const YAML::Node& node, const std::string& where) {
  if constexpr (is_vector<T>::value) {
    if (!node.IsSequence()) fail(where, article(type_name<T>()) + ", got " + describe(node));
    T out;
    for (size_t i = 0; i < node.size(); ++i)
      out.push_back(convert<typename T::value_type>(node[i], where + "[" + std::to_string(i) + "]"));
    return out;
  } else {
    if (!node.IsScalar()) fail(where, article(type_name<T>()) + ", got " + describe(node));
    if constexpr (std::is_same_v<T, std::string>) {
      return node.Scalar();
    } else {
      try {
        return node.as<T>();
      } catch (const YAML::Exception&) {
        fail(where, article(type_name<T>()) + ", got " + describe(node));
      }
    }
  }
}

// NaN and Inf are refused by every numeric field, with or without a Range
// (".nan" fails every comparison, so a plain bounds test would let it through).
template <class T>
void check_finite(const T& value, const std::string& where) {
  if constexpr (std::is_floating_point_v<T>) {
    if (!std::isfinite(value)) fail(where, "expected a finite number, got " + std::to_string(value));
  } else if constexpr (is_vector<T>::value) {
    for (const auto& x : value) check_finite(x, where);
  }
}

template <class T>
void check(const T& value, const Range& range, const std::string& where) {
  check_finite(value, where);
  if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
    const double v = static_cast<double>(value);
    if (!(v >= range.min && v <= range.max)) {
      std::ostringstream ss;
      ss << "expected a value in [" << range.min << ", " << range.max << "], got " << value;
      fail(where, ss.str());
    }
  } else if constexpr (is_vector<T>::value) {
    for (const auto& x : value) check(x, range, where);
  }
}

inline void check(const std::string& value, const Choices& choices, const std::string& where) {
  for (const auto& c : choices.values)
    if (c == value) return;
  std::string list;
  for (const auto& c : choices.values) list += (list.empty() ? "" : "|") + c;
  fail(where, "expected one of " + list + ", got " + quote(value));
}

inline void check(const std::vector<std::string>& values, const Choices& choices,
                  const std::string& where) {
  for (const auto& v : values) check(v, choices, where);
}

template <class T>
void check(const T& value, std::nullptr_t, const std::string& where) {
  check_finite(value, where);
}

}  // namespace detail

// How a visitor walks a config struct: its visit() member by default; structs
// without one (plain option structs) get a visit_config overload, found by ADL.
template <class V, class S>
auto visit_config(V& v, S& s) -> decltype(s.visit(v), void()) {
  s.visit(v);
}

// Reads a YAML mapping into a config struct. Unknown keys, wrong types and
// out-of-range values, and keys given twice, throw InputError("<file>: a.b.c: <what>").
class YamlReader {
 public:
  // `origins` (key path -> "--set a.b=value") names an override instead of
  // the file in the errors of the keys it set.
  YamlReader(YAML::Node node, std::string file, std::string prefix = "",
             const std::map<std::string, std::string>* origins = nullptr)
      : node_(std::move(node)), file_(std::move(file)), prefix_(std::move(prefix)), origins_(origins) {
    if (node_ && !node_.IsNull() && !node_.IsMap())
      fail(file_ + ": " + (prefix_.empty() ? "(top level)" : prefix_),
           "expected a mapping of keys, got " + detail::describe(node_));
  }

  template <class T, class Check = std::nullptr_t>
  void field(const char* key, T& value, const char* /*doc*/, Check check = nullptr) {
    seen_.insert(key);
    if (!node_ || node_.IsNull()) return;
    const YAML::Node child = node_[key];
    if (!child) return;
    const std::string where = source(key) + ": " + path(key);
    value = detail::convert<T>(child, where);
    detail::check(value, check, where);
  }

  template <class S>
  void section(const char* key, S& value) {
    seen_.insert(key);
    YamlReader sub(node_ && node_.IsMap() ? node_[key] : YAML::Node(), source(key), path(key), origins_);
    visit_config(sub, value);
    sub.finish();
  }

  // Rejects keys that no field declared, and keys given twice (YAML would
  // silently keep the first).
  void finish() const {
    if (!node_ || !node_.IsMap()) return;
    std::set<std::string> given;
    for (const auto& kv : node_) {
      const auto key = kv.first.Scalar();
      if (!seen_.count(key))
        fail(source(key) + ": " + path(key.size() <= 80 ? key : key.substr(0, 80) + "..."), "unknown key");
      if (!given.insert(key).second) fail(source(key) + ": " + path(key), "key given twice");
    }
  }

 private:
  std::string path(const std::string& key) const { return prefix_.empty() ? key : prefix_ + "." + key; }
  // The override that set `key` (or a section above it), else the file.
  std::string source(const std::string& key) const {
    if (origins_ == nullptr) return file_;
    auto it = origins_->find(path(key));
    return it == origins_->end() ? file_ : it->second;
  }

  YAML::Node node_;
  std::string file_, prefix_;
  const std::map<std::string, std::string>* origins_;
  std::set<std::string> seen_;
};

// Writes a config struct as a YAML mapping (every key, defaults included).
class YamlWriter {
 public:
  template <class T, class Check = std::nullptr_t>
  void field(const char* key, const T& value, const char* /*doc*/, Check = nullptr) {
    node_[key] = value;
  }
  template <class S>
  void section(const char* key, S& value) {
    YamlWriter sub;
    visit_config(sub, value);
    node_[key] = sub.node_;
  }
  const YAML::Node& node() const { return node_; }

 private:
  YAML::Node node_{YAML::NodeType::Map};
};

// Collects "key.path | type | default | meaning" rows for docs/configuration.md.
class DocWriter {
 public:
  explicit DocWriter(std::string prefix = "") : prefix_(std::move(prefix)) {}
  template <class T, class Check = std::nullptr_t>
  void field(const char* key, const T& value, const char* doc, Check check = nullptr) {
    YAML::Emitter e;
    e << YAML::Flow << value;
    std::string meaning = doc;
    if constexpr (std::is_same_v<Check, Choices>) {
      std::string list;
      for (const auto& c : check.values) list += (list.empty() ? "" : " \\| ") + c;
      meaning += " (" + list + ")";
    } else if constexpr (std::is_same_v<Check, Range>) {
      std::ostringstream ss;
      ss << " (" << check.min << " … " << check.max << ")";
      meaning += ss.str();
    }
    rows_.push_back("| `" + path(key) + "` | " + detail::type_name<T>() + " | `" + e.c_str() +
                    "` | " + meaning + " |");
  }
  template <class S>
  void section(const char* key, S& value) {
    DocWriter sub(path(key));
    visit_config(sub, value);
    rows_.insert(rows_.end(), sub.rows_.begin(), sub.rows_.end());
  }
  const std::vector<std::string>& rows() const { return rows_; }

 private:
  std::string path(const std::string& key) const { return prefix_.empty() ? key : prefix_ + "." + key; }
  std::string prefix_;
  std::vector<std::string> rows_;
};

// Applies "a.b.c=value" (value parsed as YAML) to a YAML tree before it is
// read, so overrides go through the same strict checks as the file.
void apply_override(YAML::Node& root, const std::string& assignment, const std::string& what);

// Parses a YAML file; InputError naming the file if it cannot ("<path>:
// cannot open <what>", "<path>: not valid YAML: ...").
YAML::Node load_yaml_file(const std::string& path, const std::string& what = "config file");

// Reads `root` (+ "a.b=value" overrides) into a Config strictly; `path` names
// the source in errors.
template <class Config>
Config config_from_yaml(YAML::Node root, const std::string& path,
                        const std::vector<std::string>& overrides = {}) {
  if (!root || root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  std::map<std::string, std::string> origins;
  for (const auto& o : overrides) {
    const std::string what = "--set " + quote(o);
    apply_override(root, o, what);
    origins[o.substr(0, o.find('='))] = what;
  }
  Config config;
  YamlReader reader(root, path, "", &origins);
  visit_config(reader, config);
  reader.finish();
  return config;
}

template <class Config>
Config load_config(const std::string& path, const std::vector<std::string>& overrides = {}) {
  return config_from_yaml<Config>(load_yaml_file(path), path, overrides);
}

template <class Config>
std::string to_yaml(Config config) {
  YamlWriter w;
  visit_config(w, config);
  YAML::Emitter e;
  e << w.node();
  return std::string(e.c_str()) + "\n";
}

}  // namespace hpe3d::core
