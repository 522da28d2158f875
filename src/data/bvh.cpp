#include "hpe3d/data/bvh.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "hpe3d/core/error.h"
#include "hpe3d/core/logging.h"

namespace hpe3d::data {
namespace {

// No motion capture holds a coordinate or angle this large: such a value is a
// corrupt file, not a pose.
constexpr double kAbsurd = 1e6;
constexpr int kMaxDepth = 1000;

struct Token {
  std::string text;
  int line = 0;
};

// A line of the file: [begin, end) into the file contents, 1-based number.
struct Line {
  const char* begin;
  const char* end;
  int number;
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

std::vector<Line> split_lines(const std::string& text) {
  std::vector<Line> lines;
  const char* p = text.data();
  const char* end = p + text.size();
  int number = 1;
  while (p < end) {
    const char* q = p;
    while (q < end && *q != '\n') ++q;
    lines.push_back({p, q, number++});
    p = q + 1;
  }
  return lines;
}

std::vector<std::string> split_words(const Line& line) {
  std::vector<std::string> words;
  const char* p = line.begin;
  while (p < line.end) {
    while (p < line.end && is_space(*p)) ++p;
    const char* q = p;
    while (q < line.end && !is_space(*q)) ++q;
    if (q > p) words.emplace_back(p, q);
    p = q;
  }
  return words;
}

bool blank(const Line& line) {
  for (const char* p = line.begin; p < line.end; ++p)
    if (!is_space(*p)) return false;
  return true;
}

class Parser {
 public:
  Parser(std::string path, BvhClip& clip) : path_(std::move(path)), clip_(clip) {}

  [[noreturn]] void error(int line, const std::string& what) const {
    core::fail(path_, "line " + std::to_string(line) + ": " + what);
  }

  // Parses the HIERARCHY section from `tokens` (everything before MOTION).
  void hierarchy(const std::vector<Token>& tokens, int motion_line) {
    tokens_ = &tokens;
    eof_line_ = motion_line;
    const Token& first = next();
    if (first.text != "HIERARCHY") error(first.line, "expected HIERARCHY, got " + core::quote(first.text));
    const Token& root = next();
    if (root.text != "ROOT") error(root.line, "expected ROOT, got " + core::quote(root.text));
    joint(-1, root.line);
    if (pos_ < tokens.size())
      error(tokens[pos_].line, "unexpected " + core::quote(tokens[pos_].text) + " after the ROOT joint (only one ROOT is supported)");
  }

  int num_channels() const { return num_channels_; }

 private:
  const Token& next() {
    if (pos_ >= tokens_->size()) error(eof_line_, "unexpected end of HIERARCHY (missing '}'?)");
    return (*tokens_)[pos_++];
  }

  void expect(const std::string& word) {
    const Token& t = next();
    if (t.text != word) error(t.line, "expected '" + word + "', got " + core::quote(t.text));
  }

  double number(const Token& t) {
    char* end = nullptr;
    double v = std::strtod(t.text.c_str(), &end);
    if (end == t.text.c_str() || *end != '\0' || !std::isfinite(v))
      error(t.line, "expected a number, got " + core::quote(t.text));
    if (std::abs(v) > kAbsurd) error(t.line, "absurd value " + core::quote(t.text) + " (|x| > 1e6)");
    return v;
  }

  // The name runs to the end of the keyword's line (names may hold spaces).
  std::string name_after(int keyword_line) {
    std::string name;
    while (pos_ < tokens_->size() && (*tokens_)[pos_].line == keyword_line && (*tokens_)[pos_].text != "{") {
      if (!name.empty()) name += ' ';
      name += (*tokens_)[pos_++].text;
    }
    if (name.empty()) error(keyword_line, "joint without a name");
    return name;
  }

  std::array<double, 3> offset() {
    expect("OFFSET");
    std::array<double, 3> o{};
    for (double& v : o) v = number(next());
    return o;
  }

  void joint(int parent, int keyword_line, int depth = 0) {
    // Skeletons are a few dozen joints deep; the bound keeps a hostile file
    // from overflowing the stack of this recursive descent.
    if (depth > kMaxDepth) error(keyword_line, "joints nested deeper than " + std::to_string(kMaxDepth) + " levels");
    BvhJoint j;
    j.name = name_after(keyword_line);
    j.parent = parent;
    expect("{");
    j.offset = offset();
    const Token& ch = next();
    if (ch.text != "CHANNELS") error(ch.line, "expected CHANNELS for joint " + core::quote(j.name) + ", got " + core::quote(ch.text));
    const Token& count_token = next();
    double count = number(count_token);
    if (count < 0 || count > 6 || count != std::floor(count))
      error(count_token.line, "bad CHANNELS count " + core::quote(count_token.text) + " for joint " + core::quote(j.name));
    for (int c = 0; c < static_cast<int>(count); ++c) {
      const Token& t = next();
      j.channels.push_back(channel(t, j.name));
    }
    j.first_channel = num_channels_;
    num_channels_ += static_cast<int>(j.channels.size());
    const int index = static_cast<int>(clip_.joints.size());
    clip_.joints.push_back(std::move(j));

    while (true) {
      const Token& t = next();
      if (t.text == "}") return;
      if (t.text == "JOINT") {
        joint(index, t.line, depth + 1);
      } else if (t.text == "End") {
        expect("Site");
        expect("{");
        BvhJoint end;
        end.name = clip_.joints[index].name + "_End";
        end.parent = index;
        end.end_site = true;
        end.offset = offset();
        end.first_channel = num_channels_;
        expect("}");
        clip_.joints.push_back(std::move(end));
      } else {
        error(t.line, "expected JOINT, End Site or '}' in joint " + core::quote(clip_.joints[index].name) +
                          ", got " + core::quote(t.text));
      }
    }
  }

  BvhChannel channel(const Token& t, const std::string& joint_name) {
    static const std::pair<const char*, BvhChannel> names[] = {
        {"Xposition", BvhChannel::kXposition}, {"Yposition", BvhChannel::kYposition},
        {"Zposition", BvhChannel::kZposition}, {"Xrotation", BvhChannel::kXrotation},
        {"Yrotation", BvhChannel::kYrotation}, {"Zrotation", BvhChannel::kZrotation}};
    for (const auto& [n, c] : names)
      if (t.text == n) return c;
    error(t.line, "unknown channel " + core::quote(t.text) + " in joint " + core::quote(joint_name));
  }

  std::string path_;
  BvhClip& clip_;
  const std::vector<Token>* tokens_ = nullptr;
  size_t pos_ = 0;
  int eof_line_ = 0;
  int num_channels_ = 0;
};

// "Frames: 2752" / "Frame Time: .0083333": the text after the first ':'.
std::string value_after_colon(const std::vector<std::string>& words) {
  std::string joined;
  for (const auto& w : words) joined += w + " ";
  auto colon = joined.find(':');
  if (colon == std::string::npos) return "";
  std::istringstream in(joined.substr(colon + 1));
  std::string value;
  in >> value;
  return value;
}

}  // namespace

const char* bvh_channel_name(BvhChannel channel) {
  switch (channel) {
    case BvhChannel::kXposition: return "Xposition";
    case BvhChannel::kYposition: return "Yposition";
    case BvhChannel::kZposition: return "Zposition";
    case BvhChannel::kXrotation: return "Xrotation";
    case BvhChannel::kYrotation: return "Yrotation";
    case BvhChannel::kZrotation: return "Zrotation";
  }
  return "?";
}

int BvhClip::joint_index(const std::string& joint_name) const {
  for (size_t j = 0; j < joints.size(); ++j)
    if (joints[j].name == joint_name) return static_cast<int>(j);
  return -1;
}

BvhClip parse_bvh(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) core::fail(path, "cannot open BVH file (no such regular file)");
  std::ifstream in(path, std::ios::binary);
  if (!in) core::fail(path, "cannot open BVH file");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_bvh_text(text, path);
}

BvhClip parse_bvh_text(const std::string& text, const std::string& path) {
  BvhClip clip;
  clip.path = path;
  clip.name = path.substr(path.find_last_of('/') + 1);
  if (clip.name.size() > 4) {  // ".bvh", ".BVH", ...
    std::string ext = clip.name.substr(clip.name.size() - 4);
    for (char& ch : ext) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (ext == ".bvh") clip.name.resize(clip.name.size() - 4);
  }

  const std::vector<Line> lines = split_lines(text);
  Parser parser(path, clip);

  // HIERARCHY: tokens up to the MOTION line.
  std::vector<Token> tokens;
  size_t li = 0;
  for (; li < lines.size(); ++li) {
    auto words = split_words(lines[li]);
    if (!words.empty() && words[0] == "MOTION") break;
    for (auto& w : words) tokens.push_back({std::move(w), lines[li].number});
  }
  const int last_line = lines.empty() ? 1 : lines.back().number;
  if (tokens.empty()) core::fail(path, "empty file, expected a BVH HIERARCHY");
  if (li == lines.size()) parser.error(last_line, "no MOTION section");
  parser.hierarchy(tokens, lines[li].number);
  const int64_t num_channels = parser.num_channels();

  // MOTION header.
  auto next_nonblank = [&](size_t i) {
    while (i < lines.size() && blank(lines[i])) ++i;
    return i;
  };
  li = next_nonblank(li + 1);
  if (li == lines.size()) parser.error(last_line, "truncated MOTION section: expected 'Frames:'");
  auto words = split_words(lines[li]);
  if (words[0].rfind("Frames", 0) != 0) parser.error(lines[li].number, "expected 'Frames:', got " + core::quote(words[0]));
  const std::string frames_text = value_after_colon(words);
  char* end = nullptr;
  const long declared = std::strtol(frames_text.c_str(), &end, 10);
  if (frames_text.empty() || *end != '\0' || declared < 1)
    parser.error(lines[li].number, "bad frame count " + core::quote(frames_text));

  li = next_nonblank(li + 1);
  if (li == lines.size()) parser.error(last_line, "truncated MOTION section: expected 'Frame Time:'");
  words = split_words(lines[li]);
  if (words.size() < 2 || words[0] != "Frame" || words[1].rfind("Time", 0) != 0)
    parser.error(lines[li].number, "expected 'Frame Time:', got " + core::quote(words[0]));
  const std::string time_text = value_after_colon(words);
  const double frame_time = std::strtod(time_text.c_str(), &end);
  if (time_text.empty() || *end != '\0' || !(frame_time > 0) || !std::isfinite(frame_time))
    parser.error(lines[li].number, "bad frame time " + core::quote(time_text));
  if (frame_time < 1e-4 || frame_time > 1.0)
    parser.error(lines[li].number, "implausible frame time " + core::quote(time_text) +
                                       " s (expected 1e-4 to 1 s per frame)");
  clip.frame_time = frame_time;

  // The declared count is checked against the lines present before anything is allocated for it.
  int64_t frame_lines = 0;
  for (size_t i = li + 1; i < lines.size(); ++i) frame_lines += blank(lines[i]) ? 0 : 1;
  if (declared > frame_lines)
    parser.error(last_line, "truncated MOTION block: 'Frames: " + std::to_string(declared) + "' declared, " +
                                std::to_string(frame_lines) + " frame lines found");

  // Frame lines: plain strtod over the file buffer (433k values in 01_03).
  clip.motion = torch::empty({declared, num_channels}, torch::kFloat64);
  double* out = clip.motion.data_ptr<double>();
  int64_t frame = 0;
  std::vector<double> row;
  row.reserve(num_channels + 8);
  for (li = li + 1; li < lines.size() && frame < declared; ++li) {
    const Line& line = lines[li];
    if (blank(line)) continue;
    row.clear();
    const char* p = line.begin;
    while (true) {
      while (p < line.end && is_space(*p)) ++p;
      if (p >= line.end) break;
      char* q = nullptr;
      const double v = std::strtod(p, &q);
      if (q == p || (q < line.end && !is_space(*q)) || q > line.end) {
        const char* w = p;
        while (w < line.end && !is_space(*w)) ++w;
        parser.error(line.number, "channel value " + std::to_string(row.size() + 1) + " is not a number: " +
                                      core::quote(std::string(p, w)));
      }
      if (!std::isfinite(v))
        parser.error(line.number, "channel value " + std::to_string(row.size() + 1) + " is not finite: " +
                                      core::quote(std::string(p, static_cast<const char*>(q))));
      if (std::abs(v) > kAbsurd)
        parser.error(line.number, "channel value " + std::to_string(row.size() + 1) + " is absurd: " +
                                      core::quote(std::string(p, static_cast<const char*>(q))) + " (|x| > 1e6)");
      row.push_back(v);
      p = q;
    }
    if (static_cast<int64_t>(row.size()) != num_channels)
      parser.error(line.number, "expected " + std::to_string(num_channels) + " channel values, got " +
                                    std::to_string(row.size()));
    std::copy(row.begin(), row.end(), out + frame * num_channels);
    ++frame;
  }
  if (frame < declared)
    parser.error(last_line, "truncated MOTION block: 'Frames: " + std::to_string(declared) + "' declared, " +
                                std::to_string(frame) + " frame lines found");
  int extra = 0;
  for (; li < lines.size(); ++li) extra += blank(lines[li]) ? 0 : 1;
  if (extra > 0)
    core::logger("data")->warn("{}: {} frame line(s) after the declared {} frames ignored", path, extra, declared);
  return clip;
}

torch::Tensor forward_kinematics(const BvhClip& clip) {
  TORCH_CHECK(clip.motion.defined() && clip.motion.dim() == 2, "forward_kinematics: clip has no motion");
  const int64_t T = clip.motion.size(0);
  const int64_t C = clip.motion.size(1);
  const int64_t J = static_cast<int64_t>(clip.joints.size());
  auto motion = clip.motion.to(torch::kFloat64).contiguous();
  const double* m = motion.data_ptr<double>();
  auto result = torch::empty({T, J, 3}, torch::kFloat64);
  double* pos = result.data_ptr<double>();
  std::vector<std::array<double, 9>> rot(J);  // global rotation of each joint, row-major
  constexpr double kDeg = M_PI / 180.0;

  for (int64_t t = 0; t < T; ++t) {
    const double* values = m + t * C;
    double* p = pos + t * J * 3;
    for (int64_t j = 0; j < J; ++j) {
      const BvhJoint& joint = clip.joints[j];
      std::array<double, 3> trans = joint.offset;
      std::array<double, 9> local = {1, 0, 0, 0, 1, 0, 0, 0, 1};
      for (size_t c = 0; c < joint.channels.size(); ++c) {
        const double v = values[joint.first_channel + c];
        switch (joint.channels[c]) {
          case BvhChannel::kXposition: trans[0] = v; break;
          case BvhChannel::kYposition: trans[1] = v; break;
          case BvhChannel::kZposition: trans[2] = v; break;
          default: {
            const double s = std::sin(v * kDeg), co = std::cos(v * kDeg);
            std::array<double, 9> r;
            if (joint.channels[c] == BvhChannel::kXrotation) r = {1, 0, 0, 0, co, -s, 0, s, co};
            else if (joint.channels[c] == BvhChannel::kYrotation) r = {co, 0, s, 0, 1, 0, -s, 0, co};
            else r = {co, -s, 0, s, co, 0, 0, 0, 1};
            std::array<double, 9> prod;  // local = local * r (intrinsic, in listed order)
            for (int a = 0; a < 3; ++a)
              for (int b = 0; b < 3; ++b)
                prod[a * 3 + b] = local[a * 3] * r[b] + local[a * 3 + 1] * r[3 + b] + local[a * 3 + 2] * r[6 + b];
            local = prod;
          }
        }
      }
      if (joint.parent < 0) {
        rot[j] = local;
        for (int a = 0; a < 3; ++a) p[j * 3 + a] = trans[a];
        continue;
      }
      const auto& pr = rot[joint.parent];
      for (int a = 0; a < 3; ++a)
        p[j * 3 + a] = p[joint.parent * 3 + a] + pr[a * 3] * trans[0] + pr[a * 3 + 1] * trans[1] + pr[a * 3 + 2] * trans[2];
      for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 3; ++b)
          rot[j][a * 3 + b] = pr[a * 3] * local[b] + pr[a * 3 + 1] * local[3 + b] + pr[a * 3 + 2] * local[6 + b];
    }
  }
  return result;
}

}  // namespace hpe3d::data
