//===- Json.cpp - A minimal JSON reader for checkpoint headers ------------===//

#include "Json.h"

#include <algorithm>

using namespace loom::rt;

const JsonValue *JsonValue::find(std::string_view key) const {
  for (const Member &member : members_)
    if (member.first == key)
      return &member.second;
  return nullptr;
}

const char *loom::rt::describeJsonKind(JsonValue::Kind kind) {
  switch (kind) {
  case JsonValue::Kind::Null:
    return "null";
  case JsonValue::Kind::Boolean:
    return "a boolean";
  case JsonValue::Kind::Integer:
    return "an integer";
  case JsonValue::Kind::Real:
    return "a non-integer number";
  case JsonValue::Kind::String:
    return "a string";
  case JsonValue::Kind::Array:
    return "an array";
  case JsonValue::Kind::Object:
    return "an object";
  }
  return "a value";
}

namespace loom::rt {

/// Recursive descent over `text`. Each parse function is entered with `pos` at
/// the first character of its construct and leaves it just past the end.
class JsonParser {
public:
  JsonParser(std::string_view text, JsonError &error) : text_(text), error_(error) {}

  bool parseDocument(JsonValue &result) {
    skipWhitespace();
    if (!parseValue(result, /*depth=*/0))
      return false;
    skipWhitespace();
    if (pos_ != text_.size())
      return failAt(pos_, "unexpected data after the JSON value");
    return true;
  }

private:
  /// Bounds recursion, so a hostile header cannot overflow the stack.
  static constexpr int kMaxDepth = 64;

  bool failAt(size_t offset, std::string message) {
    error_.offset = offset;
    error_.message = std::move(message);
    return false;
  }

  bool atEnd() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }

  void skipWhitespace() {
    while (!atEnd() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r'))
      ++pos_;
  }

  bool consumeLiteral(std::string_view literal) {
    if (text_.substr(pos_, literal.size()) != literal)
      return false;
    pos_ += literal.size();
    return true;
  }

  bool parseValue(JsonValue &value, int depth) {
    if (atEnd())
      return failAt(pos_, "unexpected end of input, expected a value");
    switch (peek()) {
    case '{':
      return parseObject(value, depth);
    case '[':
      return parseArray(value, depth);
    case '"':
      value.kind_ = JsonValue::Kind::String;
      return parseString(value.string_);
    case 't':
    case 'f':
      value.kind_ = JsonValue::Kind::Boolean;
      if (consumeLiteral("true") || consumeLiteral("false"))
        return true;
      return failAt(pos_, "invalid literal");
    case 'n':
      value.kind_ = JsonValue::Kind::Null;
      if (consumeLiteral("null"))
        return true;
      return failAt(pos_, "invalid literal");
    default:
      if (peek() == '-' || (peek() >= '0' && peek() <= '9'))
        return parseNumber(value);
      return failAt(pos_, std::string("unexpected character '") + peek() + "', expected a value");
    }
  }

  bool enterNested(int depth) {
    if (depth >= kMaxDepth)
      return failAt(pos_, "nesting deeper than " + std::to_string(kMaxDepth) + " levels");
    ++pos_; // The opening bracket.
    skipWhitespace();
    return true;
  }

  bool parseObject(JsonValue &value, int depth) {
    value.kind_ = JsonValue::Kind::Object;
    if (!enterNested(depth))
      return false;
    if (!atEnd() && peek() == '}') {
      ++pos_;
      return true;
    }
    std::vector<size_t> keyOffsets;
    while (true) {
      if (atEnd() || peek() != '"')
        return failAt(pos_, "expected a string key in object");
      keyOffsets.push_back(pos_);
      JsonValue::Member &member = value.members_.emplace_back();
      if (!parseString(member.first))
        return false;
      skipWhitespace();
      if (atEnd() || peek() != ':')
        return failAt(pos_, "expected ':' after object key");
      ++pos_;
      skipWhitespace();
      if (!parseValue(member.second, depth + 1))
        return false;
      skipWhitespace();
      if (!atEnd() && peek() == ',') {
        ++pos_;
        skipWhitespace();
        continue;
      }
      if (!atEnd() && peek() == '}') {
        ++pos_;
        return checkUniqueKeys(value.members_, keyOffsets);
      }
      return failAt(pos_, "expected ',' or '}' in object");
    }
  }

  /// Duplicate keys are legal JSON with unspecified meaning; in a checkpoint
  /// they would make the tensor a name refers to ambiguous, so reject them.
  bool checkUniqueKeys(const std::vector<JsonValue::Member> &members, const std::vector<size_t> &offsets) {
    std::vector<size_t> order(members.size());
    for (size_t i = 0; i < order.size(); ++i)
      order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return members[a].first != members[b].first ? members[a].first < members[b].first : a < b;
    });
    for (size_t i = 1; i < order.size(); ++i)
      if (members[order[i]].first == members[order[i - 1]].first)
        return failAt(offsets[order[i]], "duplicate key \"" + members[order[i]].first + "\"");
    return true;
  }

  bool parseArray(JsonValue &value, int depth) {
    value.kind_ = JsonValue::Kind::Array;
    if (!enterNested(depth))
      return false;
    if (!atEnd() && peek() == ']') {
      ++pos_;
      return true;
    }
    while (true) {
      if (!parseValue(value.items_.emplace_back(), depth + 1))
        return false;
      skipWhitespace();
      if (!atEnd() && peek() == ',') {
        ++pos_;
        skipWhitespace();
        continue;
      }
      if (!atEnd() && peek() == ']') {
        ++pos_;
        return true;
      }
      return failAt(pos_, "expected ',' or ']' in array");
    }
  }

  static bool isDigit(char c) { return c >= '0' && c <= '9'; }

  /// Keeps the value of integers that fit int64; anything else that matches
  /// the JSON number grammar becomes a Real without a value.
  bool parseNumber(JsonValue &value) {
    bool negative = !atEnd() && peek() == '-';
    if (negative)
      ++pos_;
    if (atEnd() || !isDigit(peek()))
      return failAt(pos_, "expected a digit in number");
    // Magnitudes up to 2^63 fit: that is INT64_MIN's.
    const uint64_t limit = negative ? uint64_t(1) << 63 : uint64_t(INT64_MAX);
    uint64_t magnitude = 0;
    bool fits = true;
    if (peek() == '0') {
      ++pos_;
      if (!atEnd() && isDigit(peek()))
        return failAt(pos_, "leading zero in number");
    } else {
      while (!atEnd() && isDigit(peek())) {
        uint64_t digit = uint64_t(peek() - '0');
        if (magnitude > (limit - digit) / 10)
          fits = false;
        else
          magnitude = magnitude * 10 + digit;
        ++pos_;
      }
    }
    bool integral = true;
    if (!atEnd() && peek() == '.') {
      integral = false;
      ++pos_;
      if (atEnd() || !isDigit(peek()))
        return failAt(pos_, "expected a digit after '.' in number");
      while (!atEnd() && isDigit(peek()))
        ++pos_;
    }
    if (!atEnd() && (peek() == 'e' || peek() == 'E')) {
      integral = false;
      ++pos_;
      if (!atEnd() && (peek() == '+' || peek() == '-'))
        ++pos_;
      if (atEnd() || !isDigit(peek()))
        return failAt(pos_, "expected a digit in number exponent");
      while (!atEnd() && isDigit(peek()))
        ++pos_;
    }
    if (!integral || !fits) {
      value.kind_ = JsonValue::Kind::Real;
      return true;
    }
    value.kind_ = JsonValue::Kind::Integer;
    // Negating in unsigned arithmetic keeps INT64_MIN representable.
    value.integer_ = negative ? int64_t(0 - magnitude) : int64_t(magnitude);
    return true;
  }

  bool parseHex4(uint32_t &code) {
    if (text_.size() - pos_ < 4)
      return failAt(pos_, "truncated \\u escape");
    code = 0;
    for (int i = 0; i < 4; ++i) {
      char c = text_[pos_ + i];
      uint32_t digit;
      if (c >= '0' && c <= '9')
        digit = uint32_t(c - '0');
      else if (c >= 'a' && c <= 'f')
        digit = uint32_t(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        digit = uint32_t(c - 'A' + 10);
      else
        return failAt(pos_ + i, "invalid hex digit in \\u escape");
      code = code * 16 + digit;
    }
    pos_ += 4;
    return true;
  }

  static void appendUtf8(std::string &out, uint32_t code) {
    if (code < 0x80) {
      out += char(code);
    } else if (code < 0x800) {
      out += char(0xC0 | (code >> 6));
      out += char(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
      out += char(0xE0 | (code >> 12));
      out += char(0x80 | ((code >> 6) & 0x3F));
      out += char(0x80 | (code & 0x3F));
    } else {
      out += char(0xF0 | (code >> 18));
      out += char(0x80 | ((code >> 12) & 0x3F));
      out += char(0x80 | ((code >> 6) & 0x3F));
      out += char(0x80 | (code & 0x3F));
    }
  }

  /// Decodes a \uXXXX escape (pos_ just past the 'u'), joining surrogate pairs.
  bool parseUnicodeEscape(std::string &out) {
    size_t start = pos_ - 2;
    uint32_t code;
    if (!parseHex4(code))
      return false;
    if (code >= 0xDC00 && code <= 0xDFFF)
      return failAt(start, "unpaired low surrogate in \\u escape");
    if (code >= 0xD800 && code <= 0xDBFF) {
      uint32_t low;
      if (!consumeLiteral("\\u") || !parseHex4(low) || low < 0xDC00 || low > 0xDFFF)
        return failAt(start, "unpaired high surrogate in \\u escape");
      code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
    }
    appendUtf8(out, code);
    return true;
  }

  bool parseString(std::string &out) {
    size_t start = pos_;
    ++pos_; // The opening quote.
    while (true) {
      if (atEnd())
        return failAt(start, "unterminated string");
      char c = peek();
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20)
        return failAt(pos_, "control character in string");
      ++pos_;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (atEnd())
        return failAt(start, "unterminated string");
      char escape = peek();
      ++pos_;
      switch (escape) {
      case '"':
      case '\\':
      case '/':
        out += escape;
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u':
        if (!parseUnicodeEscape(out))
          return false;
        break;
      default:
        return failAt(pos_ - 2, "invalid escape in string");
      }
    }
  }

  std::string_view text_;
  JsonError &error_;
  size_t pos_ = 0;
};

} // namespace loom::rt

bool loom::rt::parseJson(std::string_view text, JsonValue &result, JsonError &error) {
  result = JsonValue();
  return JsonParser(text, error).parseDocument(result);
}
