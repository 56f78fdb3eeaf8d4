//===- Json.h - A minimal JSON reader for checkpoint headers ----*- C++ -*-===//
//
// The runtime is linked into every model library and must not depend on LLVM,
// so it carries its own reader. It accepts all of RFC 8259 but keeps only what
// safetensors headers and sharded-checkpoint indexes use: objects, arrays,
// strings and 64-bit integers. Other numbers, booleans and null are validated
// and kept as kinds without a value. Input is untrusted: every read is bounds
// checked, nesting depth is limited, and duplicate object keys are rejected.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_JSON_H
#define LOOM_RUNTIME_JSON_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace loom::rt {

class JsonValue {
public:
  enum class Kind { Null, Boolean, Integer, Real, String, Array, Object };
  using Member = std::pair<std::string, JsonValue>;

  Kind kind() const { return kind_; }
  bool isInteger() const { return kind_ == Kind::Integer; }
  bool isString() const { return kind_ == Kind::String; }
  bool isArray() const { return kind_ == Kind::Array; }
  bool isObject() const { return kind_ == Kind::Object; }

  /// Valid for Integer values.
  int64_t integer() const { return integer_; }
  /// Valid for String values (decoded, UTF-8).
  const std::string &string() const { return string_; }
  /// Valid for Array values.
  const std::vector<JsonValue> &items() const { return items_; }
  /// Valid for Object values; in document order, keys unique.
  const std::vector<Member> &members() const { return members_; }
  /// The member named `key` of an Object, or nullptr.
  const JsonValue *find(std::string_view key) const;

private:
  friend class JsonParser;

  Kind kind_ = Kind::Null;
  int64_t integer_ = 0;
  std::string string_;
  std::vector<JsonValue> items_;
  std::vector<Member> members_;
};

/// Why and where a parse failed.
struct JsonError {
  size_t offset = 0; ///< Byte offset of the problem in the parsed text.
  std::string message;
};

/// Parses `text`, which must hold exactly one JSON value (surrounding
/// whitespace allowed). On failure returns false and fills `error`.
bool parseJson(std::string_view text, JsonValue &result, JsonError &error);

/// A short name of `kind` for error messages ("an object", "a string", ...).
const char *describeJsonKind(JsonValue::Kind kind);

} // namespace loom::rt

#endif // LOOM_RUNTIME_JSON_H
