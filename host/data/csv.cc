// mote datasets — CSV files: one sample per line, feature columns plus a label column
// (classification) or target columns (regression).
//
// Fields are separated by the spec's delimiter and may be quoted ("a, b" and "" for a quote inside);
// blank lines are skipped; \r\n line ends are accepted. The header is detected when the spec does
// not say: a first row with a field that is not a number in a column whose second row holds a
// number (or, in a one-row file, any field that is not a number).
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>

#include "host/data/readers.h"
#include "host/error.h"

namespace mote::data {

using host::HostError;

namespace {

struct CsvTable {
  std::string path;
  std::vector<std::string> header;              // empty without a header
  std::vector<std::vector<std::string>> rows;
  std::vector<int> lines;                       // 1-based line number of each row
};

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

bool parse_number(const std::string& field, double* out) {
  std::string t = trim(field);
  if (t.empty()) return false;
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size() || !std::isfinite(v)) return false;
  *out = v;
  return true;
}

std::vector<std::string> split_line(const std::string& path, int line, const std::string& text, char delim) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char ch = text[i];
    if (quoted) {
      if (ch == '"' && i + 1 < text.size() && text[i + 1] == '"') fields.back() += '"', ++i;
      else if (ch == '"') quoted = false;
      else fields.back() += ch;
    } else if (ch == '"') {
      quoted = true;
    } else if (ch == delim) {
      fields.emplace_back();
    } else {
      fields.back() += ch;
    }
  }
  if (quoted) throw HostError(path + ":" + std::to_string(line) + ": unterminated quoted field");
  for (std::string& f : fields) f = trim(f);
  return fields;
}

bool looks_like_header(const CsvTable& t) {
  const std::vector<std::string>& first = t.rows[0];
  double v;
  for (size_t c = 0; c < first.size(); ++c) {
    if (parse_number(first[c], &v)) continue;
    if (t.rows.size() < 2) return true;
    if (c < t.rows[1].size() && parse_number(t.rows[1][c], &v)) return true;
  }
  return false;
}

CsvTable read_table(const std::string& path, char delim, std::optional<bool> header) {
  std::vector<uint8_t> bytes = read_bytes(path, false);
  CsvTable t;
  t.path = path;
  std::string text(bytes.begin(), bytes.end());
  size_t pos = 0;
  for (int line = 1; pos < text.size(); ++line) {
    size_t nl = text.find('\n', pos);
    std::string l = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? text.size() : nl + 1;
    if (!l.empty() && l.back() == '\r') l.pop_back();
    if (trim(l).empty()) continue;
    t.rows.push_back(split_line(path, line, l, delim));
    t.lines.push_back(line);
  }
  if (t.rows.empty()) throw HostError(path + ": empty CSV file");
  if (header.has_value() ? *header : looks_like_header(t)) {
    t.header = t.rows.front();
    t.rows.erase(t.rows.begin());
    t.lines.erase(t.lines.begin());
  }
  if (t.rows.empty()) throw HostError(path + ": CSV file has a header but no samples");
  const size_t cols = t.header.empty() ? t.rows[0].size() : t.header.size();
  for (size_t r = 0; r < t.rows.size(); ++r) {
    if (t.rows[r].size() != cols) {
      throw HostError(path + ":" + std::to_string(t.lines[r]) + ": " + std::to_string(t.rows[r].size()) +
                      " fields, expected " + std::to_string(cols) + (t.header.empty() ? " (as on the first line)" : " (as in the header)"));
    }
  }
  return t;
}

size_t column_count(const CsvTable& t) { return t.header.empty() ? t.rows[0].size() : t.header.size(); }

std::string column_desc(const CsvTable& t, size_t c) {
  if (t.header.empty()) return "column index " + std::to_string(c);
  return "column '" + t.header[c] + "' (index " + std::to_string(c) + ")";
}

size_t resolve_column(const CsvTable& t, const std::string& name, const char* what) {
  auto it = std::find(t.header.begin(), t.header.end(), name);
  if (it != t.header.end()) return static_cast<size_t>(it - t.header.begin());
  bool digits = !name.empty() && std::all_of(name.begin(), name.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
  const size_t cols = column_count(t);
  if (digits && name.size() < 10 && std::stoul(name) < cols) return std::stoul(name);
  std::string cols_text;
  for (size_t c = 0; c < t.header.size(); ++c) cols_text += (c ? ", " : "") + t.header[c];
  throw HostError(t.path + ": " + what + " '" + name + "' not found: the file has " + std::to_string(cols) +
                  " columns (0-based indices 0.." + std::to_string(cols - 1) + ")" +
                  (t.header.empty() ? ", no header" : "; names: " + cols_text));
}

struct Columns {
  std::vector<size_t> features, targets;  // targets: the label column alone for classification
  bool classification = true;
};

Columns pick_columns(const DataSpec& spec, const CsvTable& t) {
  Columns c;
  c.classification = spec.task == Task::kClassification || (spec.task == Task::kAuto && spec.target_columns.empty());
  if (c.classification && spec.target_columns.size() > 1) {
    throw HostError(t.path + ": classification takes one label column, target_columns lists " +
                    std::to_string(spec.target_columns.size()));
  }
  if (!spec.label_column.empty() && !spec.target_columns.empty()) {
    throw HostError(t.path + ": give label_column (classification) or target_columns (regression), not both");
  }
  if (!spec.label_column.empty()) c.targets.push_back(resolve_column(t, spec.label_column, "label column"));
  for (const std::string& n : spec.target_columns) c.targets.push_back(resolve_column(t, n, "target column"));
  if (c.targets.empty()) c.targets.push_back(column_count(t) - 1);  // default: the last column
  for (const std::string& n : spec.feature_columns) c.features.push_back(resolve_column(t, n, "feature column"));
  if (spec.feature_columns.empty()) {
    for (size_t i = 0; i < column_count(t); ++i) {
      if (std::find(c.targets.begin(), c.targets.end(), i) == c.targets.end()) c.features.push_back(i);
    }
  }
  if (c.features.empty()) throw HostError(t.path + ": no feature columns left besides the label/targets");
  return c;
}

double number_at(const CsvTable& t, size_t r, size_t c) {
  double v;
  if (!parse_number(t.rows[r][c], &v)) {
    throw HostError(t.path + ":" + std::to_string(t.lines[r]) + ": " + column_desc(t, c) + ": '" + t.rows[r][c] +
                    "' is not a number");
  }
  return v;
}

// Class label strings -> indices: integers as they are, otherwise the names (spec order, or sorted).
struct LabelMap {
  bool integers = true;
  std::vector<std::string> names;
};

LabelMap label_map(const DataSpec& spec, const std::vector<const CsvTable*>& tables, size_t col) {
  LabelMap m;
  std::set<std::string> seen;
  double v;
  for (const CsvTable* t : tables) {
    for (const auto& row : t->rows) {
      seen.insert(row[col]);
      if (!parse_number(row[col], &v) || v != std::floor(v)) m.integers = false;
    }
  }
  if (!m.integers) m.names = spec.class_names.empty() ? std::vector<std::string>(seen.begin(), seen.end()) : spec.class_names;
  return m;
}

float label_index(const CsvTable& t, size_t r, size_t col, const LabelMap& m) {
  if (m.integers) return static_cast<float>(number_at(t, r, col));
  auto it = std::find(m.names.begin(), m.names.end(), t.rows[r][col]);
  if (it == m.names.end()) {
    std::string names;
    for (const std::string& n : m.names) names += (names.empty() ? "" : ", ") + n;
    throw HostError(t.path + ":" + std::to_string(t.lines[r]) + ": label '" + t.rows[r][col] +
                    "' is not one of the class names [" + names + "]");
  }
  return static_cast<float>(it - m.names.begin());
}

Loaded to_loaded(const CsvTable& t, const Columns& c, const LabelMap& m, const DataSpec& spec) {
  const int n = static_cast<int>(t.rows.size());
  Loaded out;
  out.classification = c.classification;
  out.x = train::Tensor({n, static_cast<int>(c.features.size())});
  out.y = c.classification ? train::Tensor({n}) : train::Tensor({n, static_cast<int>(c.targets.size())});
  float* x = out.x.data();
  float* y = out.y.data();
  for (size_t r = 0; r < t.rows.size(); ++r) {
    for (size_t f : c.features) *x++ = static_cast<float>(number_at(t, r, f));
    if (c.classification) *y++ = label_index(t, r, c.targets[0], m);
    else for (size_t k : c.targets) *y++ = static_cast<float>(number_at(t, r, k));
  }
  if (c.classification) out.class_names = m.integers ? spec.class_names : m.names;
  std::string path = t.path;
  std::vector<int> lines = t.lines;
  out.where = [path, lines](int i) { return path + ":" + std::to_string(lines[static_cast<size_t>(i)]); };
  return out;
}

}  // namespace

void read_csv(const DataSpec& spec, const std::string& train, const std::string& test, Loaded* train_out,
              Loaded* test_out) {
  CsvTable tr = read_table(train, spec.delimiter, spec.header);
  CsvTable te;
  if (!test.empty()) te = read_table(test, spec.delimiter, spec.header.has_value() ? spec.header : std::optional<bool>(!tr.header.empty()));
  Columns cols = pick_columns(spec, tr);
  if (!test.empty()) {
    if (column_count(te) != column_count(tr)) {
      throw HostError(test + ": " + std::to_string(column_count(te)) + " columns, the training file " + train + " has " +
                      std::to_string(column_count(tr)));
    }
    if (!tr.header.empty() && te.header != tr.header) throw HostError(test + ": header differs from the training file " + train);
  }
  LabelMap map;
  if (cols.classification) {
    std::vector<const CsvTable*> tables{&tr};
    if (!test.empty()) tables.push_back(&te);
    map = label_map(spec, tables, cols.targets[0]);
  }
  *train_out = to_loaded(tr, cols, map, spec);
  if (!test.empty()) *test_out = to_loaded(te, cols, map, spec);
}

}  // namespace mote::data
