//===- JsonTest.cpp - The runtime's JSON reader ---------------------------===//

#include "Json.h"

#include <gtest/gtest.h>

using loom::rt::JsonError;
using loom::rt::JsonValue;
using Kind = JsonValue::Kind;

namespace {

JsonValue parse(std::string_view text) {
  JsonValue value;
  JsonError error;
  EXPECT_TRUE(loom::rt::parseJson(text, value, error)) << "at " << error.offset << ": " << error.message;
  return value;
}

/// Parsing must fail at `offset` with a message containing `message`.
void expectError(std::string_view text, size_t offset, const std::string &message) {
  JsonValue value;
  JsonError error;
  ASSERT_FALSE(loom::rt::parseJson(text, value, error)) << text;
  EXPECT_EQ(error.offset, offset) << text << ": " << error.message;
  EXPECT_NE(error.message.find(message), std::string::npos) << text << ": " << error.message;
}

TEST(JsonTest, ReadsASafetensorsHeader) {
  JsonValue root = parse(R"( {"__metadata__": {"format": "pt"},
      "w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}} )");
  ASSERT_TRUE(root.isObject());
  ASSERT_EQ(root.members().size(), 2u);
  EXPECT_EQ(root.members()[0].first, "__metadata__");
  const JsonValue *tensor = root.find("w");
  ASSERT_TRUE(tensor && tensor->isObject());
  EXPECT_EQ(tensor->find("dtype")->string(), "F32");
  const JsonValue *shape = tensor->find("shape");
  ASSERT_TRUE(shape && shape->isArray());
  ASSERT_EQ(shape->items().size(), 2u);
  EXPECT_EQ(shape->items()[1].integer(), 3);
  EXPECT_EQ(tensor->find("absent"), nullptr);
}

TEST(JsonTest, KeepsIntegersAndClassifiesOtherScalars) {
  JsonValue array = parse("[0, -7, 9223372036854775807, -9223372036854775808, 9223372036854775808, 1.5, "
                          "2e3, -0.0e-1, true, false, null]");
  const std::vector<JsonValue> &items = array.items();
  ASSERT_EQ(items.size(), 11u);
  EXPECT_EQ(items[0].integer(), 0);
  EXPECT_EQ(items[1].integer(), -7);
  EXPECT_EQ(items[2].integer(), INT64_MAX);
  EXPECT_EQ(items[3].integer(), INT64_MIN);
  EXPECT_EQ(items[4].kind(), Kind::Real) << "beyond int64";
  EXPECT_EQ(items[5].kind(), Kind::Real);
  EXPECT_EQ(items[6].kind(), Kind::Real);
  EXPECT_EQ(items[7].kind(), Kind::Real);
  EXPECT_EQ(items[8].kind(), Kind::Boolean);
  EXPECT_EQ(items[9].kind(), Kind::Boolean);
  EXPECT_EQ(items[10].kind(), Kind::Null);
}

TEST(JsonTest, DecodesEscapes) {
  JsonValue value = parse(R"("a\"b\\c\/d\b\f\n\r\t\u0041\u00e9\u20ac\ud83d\ude00")");
  EXPECT_EQ(value.string(), "a\"b\\c/d\b\f\n\r\tA\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
}

TEST(JsonTest, AcceptsEmptyContainers) {
  EXPECT_TRUE(parse("{}").members().empty());
  EXPECT_TRUE(parse("[ ]").items().empty());
}

TEST(JsonTest, RejectsMalformedInput) {
  expectError("", 0, "unexpected end of input");
  expectError("{\"a\" 1}", 5, "expected ':'");
  expectError("{\"a\": 1,}", 8, "expected a string key");
  expectError("[1 2]", 3, "expected ',' or ']'");
  expectError("{\"a\": 1", 7, "expected ',' or '}'");
  expectError("[1] [2]", 4, "unexpected data after the JSON value");
  expectError("tru", 0, "invalid literal");
  expectError("01", 1, "leading zero");
  expectError("1.", 2, "expected a digit after '.'");
  expectError("1e+", 3, "expected a digit in number exponent");
  expectError("-", 1, "expected a digit");
  expectError("+1", 0, "unexpected character '+'");
}

TEST(JsonTest, RejectsMalformedStrings) {
  expectError("\"abc", 0, "unterminated string");
  expectError("\"a\nb\"", 2, "control character");
  expectError(R"("\x")", 1, "invalid escape");
  expectError(R"("\u12g4")", 5, "invalid hex digit");
  expectError(R"("\u12)", 3, "truncated \\u escape");
  expectError(R"("\udc00")", 1, "unpaired low surrogate");
  expectError(R"("\ud800x")", 1, "unpaired high surrogate");
}

TEST(JsonTest, RejectsDuplicateKeys) {
  expectError(R"({"b": 1, "a": 2, "b": 3})", 17, "duplicate key \"b\"");
}

TEST(JsonTest, LimitsNesting) {
  std::string deep(64, '[');
  deep += std::string(64, ']');
  parse(deep);
  std::string tooDeep(65, '[');
  tooDeep += std::string(65, ']');
  expectError(tooDeep, 64, "nesting deeper than 64 levels");
}

} // namespace
