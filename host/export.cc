#include "host/export.h"

#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "host/error.h"
#include "host/files.h"
#include "host/session.h"
#include "host/tensor_io.h"
#include "host/text.h"
#include "runtime/op_resolver.h"

namespace mote::host {

namespace {

// ---- SHA-256 (FIPS 180-4) ----

constexpr uint32_t kSha256K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

inline uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

void sha256_block(uint32_t h[8], const uint8_t* p) {
  uint32_t w[64];
  for (int i = 0; i < 16; ++i)
    w[i] = (uint32_t{p[4 * i]} << 24) | (uint32_t{p[4 * i + 1]} << 16) | (uint32_t{p[4 * i + 2]} << 8) | p[4 * i + 3];
  for (int i = 16; i < 64; ++i) {
    uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
  for (int i = 0; i < 64; ++i) {
    uint32_t t1 = k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + kSha256K[i] + w[i];
    uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    k = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += k;
}

// ---- names and literals ----

const char* const kKeywords[] = {
    "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break", "case", "catch",
    "char", "char8_t", "char16_t", "char32_t", "class", "compl", "concept", "const", "consteval", "constexpr",
    "constinit", "const_cast", "continue", "co_await", "co_return", "co_yield", "decltype", "default", "delete",
    "do", "double", "dynamic_cast", "else", "enum", "explicit", "export", "extern", "false", "float", "for",
    "friend", "goto", "if", "inline", "int", "long", "mutable", "namespace", "new", "noexcept", "not", "not_eq",
    "nullptr", "operator", "or", "or_eq", "private", "protected", "public", "register", "reinterpret_cast",
    "requires", "restrict", "return", "short", "signed", "sizeof", "static", "static_assert", "static_cast",
    "struct", "switch", "template", "this", "thread_local", "throw", "true", "try", "typedef", "typeid",
    "typename", "union", "unsigned", "using", "virtual", "void", "volatile", "wchar_t", "while", "xor", "xor_eq"};

struct OpName {
  int32_t code;
  const char* name;
  const char* stem;
};
constexpr OpName kOps[] = {
#define MOTE_OP(NAME, CODE, STEM) {CODE, #NAME, #STEM},
#include "runtime/ops.inc"
#undef MOTE_OP
};

const OpName* find_op(int32_t code) {
  for (const OpName& op : kOps)
    if (op.code == code) return &op;
  return nullptr;
}

// The TensorType enumerator ("kInt8") and the C element type ("int8_t"; empty when none).
const char* type_enumerator(mote::TensorType t) {
  static const char* const names[] = {"kFloat32", "kFloat16", "kInt32",   "kUInt8",      "kInt64",    "kString",
                                      "kBool",    "kInt16",   "kComplex64", "kInt8",     "kFloat64",  "kComplex128",
                                      "kUInt64",  "kResource", "kVariant", "kUInt32",    "kUInt16",   "kInt4"};
  size_t i = static_cast<size_t>(t);
  return i < sizeof(names) / sizeof(names[0]) ? names[i] : "kFloat32";
}
const char* c_element_type(mote::TensorType t) {
  switch (t) {
    case mote::TensorType::kFloat32: return "float";
    case mote::TensorType::kInt32: return "int32_t";
    case mote::TensorType::kUInt8: return "uint8_t";
    case mote::TensorType::kInt64: return "int64_t";
    case mote::TensorType::kBool: return "bool";
    case mote::TensorType::kInt16: return "int16_t";
    case mote::TensorType::kInt8: return "int8_t";
    case mote::TensorType::kFloat64: return "double";
    case mote::TensorType::kUInt64: return "uint64_t";
    case mote::TensorType::kUInt32: return "uint32_t";
    case mote::TensorType::kUInt16: return "uint16_t";
    default: return "";
  }
}

// A float literal that reads back as exactly `v` ("0.0244801249f", "1.0f", "3e-05f").
std::string float_literal(float v) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%.9g", static_cast<double>(v));
  std::string s = buf;
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s + "f";
}

// A C string literal: printable ASCII as is, everything else as a 3-digit octal escape (never a
// hex escape, which would swallow a following hex digit).
std::string c_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f && c != '?') {  // '?' would form trigraphs in old compilers
      out += static_cast<char>(c);
    } else {
      out += strprintf("\\%03o", c);
    }
  }
  return out + "\"";
}

// Comment-safe text: no "*/" or line breaks can escape a // comment.
std::string comment_text(const char* s) {
  std::string out = s ? s : "";
  for (char& c : out)
    if (c == '\n' || c == '\r' || static_cast<unsigned char>(c) < 0x20) c = ' ';
  return out;
}

std::string base_name(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string byte_rows(const uint8_t* p, size_t n, const char* indent) {
  std::string out;
  out.reserve(n * 6 + n / 12 * 4 + 8);
  char buf[8];
  for (size_t i = 0; i < n; ++i) {
    if (i % 12 == 0) out += indent;
    std::snprintf(buf, sizeof(buf), "0x%02x,", p[i]);
    out += buf;
    out += (i % 12 == 11 || i + 1 == n) ? '\n' : ' ';
  }
  return out;
}

// ---- the model's facts ----

struct ModelFacts {
  std::string file;            // base name of the model file
  std::string generated_line;  // "Generated by mote export from ..."
  std::vector<const OpName*> ops;
  ExportResult result;
  std::vector<std::string> labels;
};

std::vector<std::string> read_labels(const std::string& path) {
  AlignedBuffer b = read_file(path);
  std::string text(reinterpret_cast<const char*>(b.data()), b.size());
  std::vector<std::string> labels;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    labels.push_back(line);
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  while (!labels.empty() && labels.back().empty()) labels.pop_back();
  if (labels.empty()) throw HostError(path + ": no labels (expected one label per line)");
  return labels;
}

// Checks every op is one mote runs, then plans with a resolver holding exactly the model's ops.
void check_and_plan(const std::string& path, const mote::Model& m, ModelFacts* f) {
  for (int o = 0; o < m.num_ops(); ++o) {
    mote::OpView v = m.op(o);
    const OpName* op = find_op(v.builtin_code);
    if (op == nullptr)
      throw HostError(path + ": op " + std::to_string(o) + " (" + v.name() +
                      ") is not supported by mote, so the model cannot be exported (`mote inspect` lists every op "
                      "and whether mote runs it)");
    bool seen = false;
    for (const OpName* s : f->ops) seen = seen || s == op;
    if (!seen) f->ops.push_back(op);
  }
  mote::OpResolver resolver;
  for (const OpName* op : f->ops) {
    const mote::OpRegistration* reg = nullptr;
#define MOTE_OP(NAME, CODE, STEM) \
  if (op->code == CODE) reg = mote::op_##STEM();
#include "runtime/ops.inc"
#undef MOTE_OP
    if (resolver.add(reg) != mote::Status::kOk)
      throw HostError(path + ": the model uses more op kinds than an OpResolver holds (" +
                      std::to_string(mote::OpResolver::kCapacity) + ")");
    f->result.ops.push_back(op->name);
  }
  AlignedBuffer work(mote::Interpreter::workspace_bytes(m));
  mote::Error err;
  if (mote::Interpreter::plan(m, resolver, work.data(), work.size(), &f->result.plan, &err) != mote::Status::kOk)
    throw HostError(path + ": cannot be exported: mote cannot run it: " + err.message);
  f->result.arena_bytes_host = f->result.plan.total_bytes;
  f->result.arena_bytes = arena_bytes_for_pointer_size(m, f->result.plan, 4);
}

std::string header_comment(const ModelFacts& f, const char* what) {
  return "// " + f.generated_line + "\n// " + what + "\n// Do not edit: regenerate with `mote export`.\n";
}

std::string render_model_h(const ExportOptions& o, const ModelFacts& f, size_t model_bytes) {
  const std::string& n = o.name;
  std::string s = header_comment(f, "The model bytes: a verified .tflite, used in place (keep it in flash).");
  s += "//\n//   mote::Model model;\n//   model.load(" + n + "_model, " + n + "_model_len, &err);\n";
  s += "#pragma once\n\n#include <stddef.h>\n\n";
  s += "// Define " + n + "_MODEL_ATTRIBUTES (e.g. __attribute__((section(\".rodata.model\")))) to place the array.\n";
  s += "#ifndef " + n + "_MODEL_ATTRIBUTES\n#define " + n + "_MODEL_ATTRIBUTES\n#endif\n\n";
  s += "constexpr size_t " + n + "_model_len = " + std::to_string(model_bytes) + ";\n";
  s += "alignas(16) extern " + n + "_MODEL_ATTRIBUTES const unsigned char " + n + "_model[" + n + "_model_len];\n";
  return s;
}

std::string render_model_cc(const ExportOptions& o, const ModelFacts& f, const uint8_t* bytes, size_t model_bytes) {
  const std::string& n = o.name;
  std::string s = header_comment(f, "The model bytes and the registration of exactly the ops it uses.");
  s += "#include \"" + n + "_model.h\"\n#include \"" + n + "_model_settings.h\"\n\n";
  s += "#include \"runtime/op_resolver.h\"\n\n";
  s += "alignas(16) " + n + "_MODEL_ATTRIBUTES const unsigned char " + n + "_model[" + n + "_model_len] = {\n";
  s += byte_rows(bytes, model_bytes, "    ");
  s += "};\n\n";
  s += "mote::Status " + n + "_register_ops(mote::OpResolver* resolver) {\n";
  s += "  if (resolver == nullptr) return mote::Status::kInvalidArgument;\n";
  s += "  const mote::OpRegistration* const ops[] = {\n";
  for (const OpName* op : f.ops) s += std::string("      mote::op_") + op->stem + "(),  // " + op->name + "\n";
  s += "  };\n";
  s += "  for (const mote::OpRegistration* op : ops) {\n";
  s += "    mote::Status s = resolver->add(op);\n";
  s += "    if (s != mote::Status::kOk) return s;\n";
  s += "  }\n  return mote::Status::kOk;\n}\n";
  return s;
}

std::string io_block(const std::string& n, const char* kind, const char* Kind, int i, const mote::TensorInfo& t) {
  const std::string p = n + "_k" + Kind + std::to_string(i);
  std::string s = strprintf("\n// %s %d: tensor %d \"%s\", %s %s, %zu byte%s", kind, i, t.index, comment_text(t.name).c_str(),
                            mote::type_name(t.type), shape_string(t.shape).c_str(), t.bytes, t.bytes == 1 ? "" : "s");
  if (t.num_scales == 1) s += ", scale " + float_literal(t.scale) + " zero point " + std::to_string(t.zero_point);
  if (t.num_scales > 1) s += strprintf(", per-channel quantization (%u scales; channel 0 below)", t.num_scales);
  s += "\n";
  std::string dims;
  for (int d = 0; d < t.shape.rank; ++d) dims += (d ? ", " : "") + std::to_string(t.shape.dims[d]);
  s += "inline constexpr mote::TensorType " + p + "Type = mote::TensorType::" + type_enumerator(t.type) + ";\n";
  if (*c_element_type(t.type)) s += "using " + n + "_" + kind + std::to_string(i) + "_t = " + c_element_type(t.type) + ";\n";
  s += "inline constexpr int " + p + "Rank = " + std::to_string(t.shape.rank) + ";\n";
  s += "inline constexpr int32_t " + p + "Dims[" + std::to_string(t.shape.rank > 0 ? t.shape.rank : 1) + "] = {" +
       (t.shape.rank > 0 ? dims : "1") + "};\n";
  s += "inline constexpr int32_t " + p + "Elements = " + std::to_string(t.shape.elements()) + ";\n";
  s += "inline constexpr size_t " + p + "Bytes = " + std::to_string(t.bytes) + ";\n";
  s += "inline constexpr float " + p + "Scale = " + float_literal(t.num_scales ? t.scale : 0.0f) + ";  // 0: not quantized\n";
  s += "inline constexpr int32_t " + p + "ZeroPoint = " + std::to_string(t.num_scales ? t.zero_point : 0) + ";\n";
  return s;
}

std::string render_settings_h(const ExportOptions& o, const ModelFacts& f, const mote::Model& m) {
  const std::string& n = o.name;
  const ExportResult& r = f.result;
  const mote::ArenaPlan& p = r.plan;
  std::string s = header_comment(f, "What a firmware needs to know about the model.");
  s += "//\n//   alignas(16) static uint8_t arena[" + n + "_kArenaBytes];\n";
  s += "//   " + n + "_register_ops(&resolver);\n";
  s += "//   interp.prepare(model, resolver, arena, sizeof(arena), &err);\n";
  s += "#pragma once\n\n#include <stddef.h>\n#include <stdint.h>\n\n";
  s += "#include \"runtime/op_resolver.h\"\n#include \"runtime/status.h\"\n#include \"runtime/tensor.h\"\n\n";
  const size_t region = ((p.activation_bytes > p.workspace_bytes ? p.activation_bytes : p.workspace_bytes) + 7) / 8 * 8;
  s += strprintf("// Exact arena for a 32-bit target (4-byte pointers): activations %zu + tables %zu + op data %zu.\n",
                 region, r.arena_bytes - region - p.op_data_bytes, p.op_data_bytes);
  s += "// Only the tables hold pointers, so a 64-bit host needs " + std::to_string(r.arena_bytes_host) +
       ". Interpreter::prepare needs exactly " + n + "_kArenaBytes\n// on the machine it runs on.\n";
  s += "inline constexpr size_t " + n + "_kArenaBytes32 = " + std::to_string(r.arena_bytes) + ";\n";
  s += "inline constexpr size_t " + n + "_kArenaBytes64 = " + std::to_string(r.arena_bytes_host) + ";\n";
  s += "static_assert(sizeof(void*) == 4 || sizeof(void*) == 8, \"mote plans arenas for 4- and 8-byte pointers\");\n";
  s += "inline constexpr size_t " + n + "_kArenaBytes = sizeof(void*) == 4 ? " + n + "_kArenaBytes32 : " + n +
       "_kArenaBytes64;\n\n";
  s += "inline constexpr int " + n + "_kNumInputs = " + std::to_string(m.num_inputs()) + ";\n";
  s += "inline constexpr int " + n + "_kNumOutputs = " + std::to_string(m.num_outputs()) + ";\n";
  for (int i = 0; i < m.num_inputs(); ++i) s += io_block(n, "input", "Input", i, m.tensor(m.input_tensor(i)));
  for (int j = 0; j < m.num_outputs(); ++j) s += io_block(n, "output", "Output", j, m.tensor(m.output_tensor(j)));
  if (!f.labels.empty()) {
    s += "\n// Labels from " + comment_text(base_name(o.labels_path).c_str()) + ", one per element of output 0.\n";
    s += "inline constexpr int " + n + "_kNumLabels = " + std::to_string(f.labels.size()) + ";\n";
    s += "inline constexpr const char* " + n + "_kLabels[" + std::to_string(f.labels.size()) + "] = {\n";
    for (const std::string& l : f.labels) s += "    " + c_string(l) + ",\n";
    s += "};\n";
  }
  s += "\n// Adds exactly the ops the model uses:";
  for (size_t k = 0; k < f.ops.size(); ++k) s += std::string(k ? ", " : " ") + f.ops[k]->name;
  s += ".\n// Only these op implementations are linked. Fails if the resolver is null or full.\n";
  s += "mote::Status " + n + "_register_ops(mote::OpResolver* resolver);\n";
  return s;
}

std::string render_input_h(const ExportOptions& o, const ModelFacts& f, const std::vector<std::vector<uint8_t>>& ins) {
  const std::string& n = o.name;
  std::string s = header_comment(f, "Input bytes for the example firmware (targets/common/bench_main.cc).");
  s += "#pragma once\n\n#include <stddef.h>\n\n";
  s += "#include \"" + n + "_model.h\"\n#include \"" + n + "_model_settings.h\"\n\n";
  s += "#define MOTE_APP_MODEL " + n + "_model\n";
  s += "#define MOTE_APP_MODEL_LEN " + n + "_model_len\n";
  s += "#define MOTE_APP_ARENA_BYTES " + n + "_kArenaBytes\n";
  s += "#define MOTE_APP_REGISTER_OPS " + n + "_register_ops\n";
  s += "#define MOTE_APP_NUM_INPUTS " + std::to_string(ins.size()) + "\n";
  std::string list, sizes;
  for (size_t i = 0; i < ins.size(); ++i) {
    const std::string a = "mote_app_input_" + std::to_string(i);
    s += "\n// From " + comment_text(base_name(o.inputs[i]).c_str()) + " (" + std::to_string(ins[i].size()) + (ins[i].size() == 1 ? " byte).\n" : " bytes).\n");
    s += "alignas(16) inline constexpr unsigned char " + a + "[" + std::to_string(ins[i].size() ? ins[i].size() : 1) + "] = {\n";
    s += ins[i].empty() ? "    0,\n" : byte_rows(ins[i].data(), ins[i].size(), "    ");
    s += "};\n";
    list += (i ? ", " : "") + a;
    sizes += (i ? ", " : "") + std::to_string(ins[i].size());
  }
  s += "\ninline constexpr const unsigned char* mote_app_inputs[MOTE_APP_NUM_INPUTS] = {" + list + "};\n";
  s += "inline constexpr size_t mote_app_input_bytes[MOTE_APP_NUM_INPUTS] = {" + sizes + "};\n";
  return s;
}

// The bytes of each input file as the model's input tensors hold them (.npy converted).
std::vector<std::vector<uint8_t>> read_inputs(const ExportOptions& o, const mote::Model& m) {
  if (static_cast<int>(o.inputs.size()) != m.num_inputs())
    throw HostError(o.model_path + " has " + std::to_string(m.num_inputs()) + " input(s), but " +
                    std::to_string(o.inputs.size()) + " --input file(s) were given");
  for (const std::string& in : o.inputs) check_file_kind(in, false);
  Session s(o.model_path);
  std::vector<std::vector<uint8_t>> out;
  for (int i = 0; i < m.num_inputs(); ++i) {
    load_input(s.interp(), i, o.inputs[static_cast<size_t>(i)]);
    mote::TensorRef r = s.interp().input(i);
    const uint8_t* p = static_cast<const uint8_t*>(r.data);
    out.emplace_back(p, p + r.bytes);
  }
  return out;
}

void ensure_dir(const std::string& dir) {
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) throw HostError(dir + ": exists and is not a directory (-o needs a directory)");
    return;
  }
  if (::mkdir(dir.c_str(), 0755) != 0)
    throw HostError(dir + ": cannot create output directory: " + std::strerror(errno));
}

}  // namespace

bool is_c_identifier(const std::string& name, std::string* why) {
  auto no = [&](const std::string& w) {
    if (why) *why = w;
    return false;
  };
  if (name.empty()) return no("the name is empty");
  if (!(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_'))
    return no("a C identifier starts with a letter or '_'");
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_') || static_cast<unsigned char>(c) >= 0x80)
      return no(std::string("'") + c + "' is not allowed (only letters, digits and '_')");
  if (name.find("__") != std::string::npos) return no("names containing \"__\" are reserved for the compiler");
  if (name[0] == '_' && name.size() > 1 && std::isupper(static_cast<unsigned char>(name[1])))
    return no("names starting with '_' and a capital letter are reserved for the compiler");
  for (const char* k : kKeywords)
    if (name == k) return no("'" + name + "' is a C/C++ keyword");
  return true;
}

std::string sha256_hex(const uint8_t* data, size_t size) {
  uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  size_t full = size / 64 * 64;
  for (size_t i = 0; i < full; i += 64) sha256_block(h, data + i);
  uint8_t tail[128] = {0};
  size_t rest = size - full;
  if (rest) std::memcpy(tail, data + full, rest);
  tail[rest] = 0x80;
  size_t tail_len = rest + 9 <= 64 ? 64 : 128;
  const uint64_t bits = static_cast<uint64_t>(size) * 8;
  for (int i = 0; i < 8; ++i) tail[tail_len - 1 - i] = static_cast<uint8_t>(bits >> (8 * i));
  for (size_t i = 0; i < tail_len; i += 64) sha256_block(h, tail + i);
  std::string out;
  for (uint32_t v : h) out += strprintf("%08x", v);
  return out;
}

size_t arena_bytes_for_pointer_size(const mote::Model& m, const mote::ArenaPlan& plan, size_t pointer_bytes) {
  // Tables (runtime/interpreter.cc): per op one record (eval function + EvalContext: op data,
  // inputs, outputs, scratch = 5 pointers), one pointer per op input/output, 4 bytes per tensor;
  // each part rounded up to 8.
  auto align8 = [](size_t v) { return (v + 7) / 8 * 8; };
  size_t io = 0;
  for (int o = 0; o < m.num_ops(); ++o) io += static_cast<size_t>(m.op(o).num_inputs() + m.op(o).num_outputs());
  auto tables = [&](size_t ptr) {
    return align8(static_cast<size_t>(m.num_ops()) * 5 * ptr) + align8(io * ptr) +
           align8(static_cast<size_t>(m.num_tensors()) * 4);
  };
  if (tables(sizeof(void*)) != plan.table_bytes)
    throw HostError(strprintf("cannot compute the arena for %zu-byte pointers: the runtime's tables are %zu bytes on this "
                              "host, the exporter's formula gives %zu (update host/export.cc)",
                              pointer_bytes, plan.table_bytes, tables(sizeof(void*))));
  return plan.total_bytes - plan.table_bytes + tables(pointer_bytes);
}

ExportResult render_export(const ExportOptions& o) {
  std::string why;
  if (!is_c_identifier(o.name, &why)) throw HostError("--name '" + o.name + "' is not a valid C identifier: " + why);
  std::unique_ptr<LoadedModel> lm = load_model(o.model_path);
  const mote::Model& m = lm->model;
  ModelFacts f;
  f.file = base_name(o.model_path);
  f.generated_line = "Generated by mote export from " + comment_text(f.file.c_str()) + " (" +
                     std::to_string(lm->bytes.size()) + " bytes, sha256 " + sha256_hex(lm->bytes.data(), lm->bytes.size()) +
                     ").";
  check_and_plan(o.model_path, m, &f);
  if (!o.labels_path.empty()) {
    f.labels = read_labels(o.labels_path);
    const int32_t want = m.num_outputs() > 0 ? m.tensor(m.output_tensor(0)).shape.elements() : 0;
    if (static_cast<int64_t>(f.labels.size()) != want)
      throw HostError(o.labels_path + ": " + std::to_string(f.labels.size()) + " labels, but output 0 has " +
                      std::to_string(want) + " elements (one label per line, one per element)");
  }
  std::vector<std::vector<uint8_t>> inputs;
  if (!o.inputs.empty()) inputs = read_inputs(o, m);
  ExportResult r = f.result;
  r.files.push_back({o.name + "_model.h", render_model_h(o, f, lm->bytes.size())});
  r.files.push_back({o.name + "_model.cc", render_model_cc(o, f, lm->bytes.data(), lm->bytes.size())});
  r.files.push_back({o.name + "_model_settings.h", render_settings_h(o, f, m)});
  if (!o.inputs.empty()) r.files.push_back({"model_input.h", render_input_h(o, f, inputs)});
  return r;
}

ExportResult export_model(const ExportOptions& o) {
  ExportResult r = render_export(o);
  ensure_dir(o.out_dir);
  for (const ExportedFile& file : r.files) {
    const std::string path = o.out_dir + (o.out_dir.empty() || o.out_dir.back() == '/' ? "" : "/") + file.name;
    write_file(path, file.contents.data(), file.contents.size());
  }
  return r;
}

}  // namespace mote::host
