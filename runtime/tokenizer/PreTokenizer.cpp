//===- PreTokenizer.cpp - Splitting text into words before BPE -------------===//
//
// Matchers are written against llama.cpp's behaviour, not against the regular
// expressions' intended meaning where the two differ: e.g. std::regex's `\s`,
// or the hand-written GPT-2 matcher treating a lone trailing space as a word.
//
//===----------------------------------------------------------------------===//
#include "PreTokenizer.h"

#include "Unicode.h"

#include <functional>

namespace loom::tokenizer {
namespace {

/// The text being split, with every code point's class computed once.
struct Text {
  explicit Text(const std::vector<uint32_t> &cps) : cps(cps) {
    classes.reserve(cps.size());
    for (uint32_t cp : cps)
      classes.push_back(classify(cp));
  }
  const std::vector<uint32_t> &cps;
  std::vector<CodepointClass> classes;
};

/// One word [begin, end) of the current split; positions outside it read as
/// "no code point", which is how every matcher sees the end of its word.
struct Word {
  const Text &text;
  size_t begin, end;

  static constexpr uint32_t kNone = 0xFFFFFFFF;
  bool inside(size_t pos) const { return pos >= begin && pos < end; }
  uint32_t cp(size_t pos) const { return inside(pos) ? text.cps[pos] : kNone; }
  CodepointClass cls(size_t pos) const { return inside(pos) ? text.classes[pos] : CodepointClass{}; }
  bool letter(size_t pos) const { return cls(pos).letter; }
  bool number(size_t pos) const { return cls(pos).number; }
  bool space(size_t pos) const { return cls(pos).whitespace; }
  /// [^\s\p{L}\p{N}]
  bool other(size_t pos) const {
    const CodepointClass c = cls(pos);
    return c.exists && !c.whitespace && !c.letter && !c.number;
  }
  bool newline(size_t pos) const { return cp(pos) == '\r' || cp(pos) == '\n'; }
  /// Where the run of positions satisfying `pred` starting at `pos` ends.
  template <typename Pred>
  size_t runEnd(size_t pos, Pred pred) const {
    while (inside(pos) && pred(pos))
      ++pos;
    return pos;
  }
  /// The length of an English contraction ('s 't 're 've 'm 'll 'd) at `pos`, 0 if none.
  size_t contraction(size_t pos, bool anyCase) const {
    if (cp(pos) != '\'' || !inside(pos + 1))
      return 0;
    const auto lower = [&](size_t p) { return anyCase ? toLower(cp(p)) : cp(p); };
    const uint32_t a = lower(pos + 1);
    if (a == 's' || a == 't' || a == 'm' || a == 'd')
      return 2;
    if (!inside(pos + 2))
      return 0;
    const uint32_t b = lower(pos + 2);
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l'))
      return 3;
    return 0;
  }
};

using Lengths = std::vector<size_t>;

/// A hand-written splitter: appends the lengths of the words it cuts `word` into.
using Splitter = std::function<void(const Word &word, Lengths &out)>;
/// A regular expression: the length of its match at `pos` (0: none there).
using Matcher = std::function<size_t(const Word &word, size_t pos)>;

// --- llama.cpp's hand-written splitters ---------------------------------------------------------

/// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
void splitGpt2(const Word &w, Lengths &out) {
  size_t pos = w.begin;
  while (pos < w.end) {
    size_t next;
    const bool spaceFirst = w.cp(pos) == ' ';
    const size_t body = spaceFirst ? pos + 1 : pos; // where the class after " ?" is read
    if (size_t n = w.contraction(pos, /*anyCase=*/false)) {
      next = pos + n;
    } else if (w.letter(body)) {
      next = w.runEnd(body, [&](size_t p) { return w.letter(p); });
    } else if (w.number(body)) {
      next = w.runEnd(body, [&](size_t p) { return w.number(p); });
    } else if (w.other(body)) {
      next = w.runEnd(body, [&](size_t p) { return w.other(p); });
    } else {
      const size_t spaces = w.runEnd(pos, [&](size_t p) { return w.space(p); }) - pos;
      if (spaces > 1 && w.inside(pos + spaces))
        next = pos + spaces - 1; // \s+(?!\S): leave the last space to the word that follows
      else if (spaces > 0)
        next = pos + spaces;
      else
        next = pos + 1;
    }
    out.push_back(next - pos);
    pos = next;
  }
}

/// (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|
/// \s*[\r\n]+|\s+(?!\S)|\s+
void splitLlama3(const Word &w, Lengths &out) {
  size_t pos = w.begin;
  const auto emit = [&](size_t next) {
    out.push_back(next - pos);
    pos = next;
  };
  while (pos < w.end) {
    if (size_t n = w.contraction(pos, /*anyCase=*/true)) {
      emit(pos + n);
      continue;
    }
    if (!w.newline(pos) && !w.number(pos) && (w.letter(pos) || w.letter(pos + 1))) {
      emit(w.runEnd(pos + 1, [&](size_t p) { return w.letter(p); }));
      continue;
    }
    if (w.number(pos)) {
      const size_t end = w.runEnd(pos, [&](size_t p) { return w.number(p); });
      while (pos < end)
        emit(std::min(pos + 3, end));
      continue;
    }
    const size_t body = w.cp(pos) == ' ' ? pos + 1 : pos;
    // llama.cpp tests the code point at `pos` here, not at `body`: a lone space ending the
    // word is taken by this rule (with the same result as the whitespace rules would give).
    if (!w.space(body) && !w.letter(body) && !w.number(body)) {
      size_t next = w.runEnd(body, [&](size_t p) { return w.other(p); });
      next = w.runEnd(next, [&](size_t p) { return w.newline(p); });
      emit(next);
      continue;
    }
    const size_t spacesEnd = w.runEnd(pos, [&](size_t p) { return w.space(p); });
    size_t lastNewline = 0;
    for (size_t p = pos; p < spacesEnd; ++p)
      if (w.newline(p))
        lastNewline = p + 1;
    if (lastNewline > 0)
      emit(lastNewline); // \s*[\r\n]+
    else if (spacesEnd - pos > 1 && w.inside(spacesEnd))
      emit(spacesEnd - 1); // \s+(?!\S)
    else if (spacesEnd > pos)
      emit(spacesEnd);
    else
      emit(pos + 1);
  }
}

// --- expressions llama.cpp runs through std::regex ----------------------------------------------

/// Llama 3's expression with `\p{N}` for `\p{N}{1,3}` (Qwen2), under std::regex: the first
/// alternative that matches at the leftmost position wins.
size_t matchQwen2(const Word &w, size_t pos) {
  if (size_t n = w.contraction(pos, /*anyCase=*/true))
    return n;
  // [^\r\n\p{L}\p{N}]?\p{L}+
  if (w.inside(pos) && !w.newline(pos) && !w.letter(pos) && !w.number(pos) && w.letter(pos + 1))
    return w.runEnd(pos + 1, [&](size_t p) { return w.letter(p); }) - pos;
  if (w.letter(pos))
    return w.runEnd(pos, [&](size_t p) { return w.letter(p); }) - pos;
  if (w.number(pos))
    return 1;
  // " ?[^\s\p{L}\p{N}]+[\r\n]*"
  const size_t body = w.cp(pos) == ' ' && w.other(pos + 1) ? pos + 1 : pos;
  if (w.other(body)) {
    size_t end = w.runEnd(body, [&](size_t p) { return w.other(p); });
    return w.runEnd(end, [&](size_t p) { return w.newline(p); }) - pos;
  }
  const size_t spacesEnd = w.runEnd(pos, [&](size_t p) { return w.space(p); });
  // \s*[\r\n]+ backtracks to the last newline of the whitespace run.
  for (size_t p = spacesEnd; p > pos; --p)
    if (w.newline(p - 1))
      return p - pos;
  if (spacesEnd == pos)
    return 0;
  if (!w.inside(spacesEnd))
    return spacesEnd - pos; // \s+(?!\S) at the end of the word
  if (spacesEnd - pos > 1)
    return spacesEnd - 1 - pos;
  return 1; // \s+
}

/// \p{N}
size_t matchDigit(const Word &w, size_t pos) { return w.number(pos) ? 1 : 0; }

/// \p{N}+
size_t matchDigits(const Word &w, size_t pos) {
  return w.runEnd(pos, [&](size_t p) { return w.number(p); }) - pos;
}

/// [0-9][0-9][0-9]
size_t matchThreeAsciiDigits(const Word &w, size_t pos) {
  for (size_t p = pos; p < pos + 3; ++p)
    if (w.cp(p) < '0' || w.cp(p) > '9')
      return 0;
  return 3;
}

/// The ASCII characters llama.cpp's std::regex emulation counts as \p{P} (Unicode's P).
bool asciiPunctuation(uint32_t cp) {
  switch (cp) {
  case '!': case '"': case '#': case '%': case '&': case '\'': case '(': case ')': case '*':
  case ',': case '-': case '.': case '/': case ':': case ';': case '?': case '@': case '[':
  case '\\': case ']': case '_': case '{': case '}':
    return true;
  default:
    return false;
  }
}

/// \p{P}, as a code point outside ASCII is collapsed to its category (whitespace first).
bool punctuation(const Word &w, size_t pos) {
  if (!w.inside(pos))
    return false;
  const uint32_t cp = w.cp(pos);
  if (cp < 0x80)
    return asciiPunctuation(cp);
  const CodepointClass c = w.cls(pos);
  return c.punctuation && !c.whitespace;
}

/// [\p{P}\$\+<=>\^~\|]+
size_t matchPunctuationRun(const Word &w, size_t pos) {
  const auto member = [&](size_t p) {
    const uint32_t cp = w.cp(p);
    return punctuation(w, p) || cp == '$' || cp == '+' || cp == '<' || cp == '=' || cp == '>' || cp == '^' ||
           cp == '~' || cp == '|';
  };
  return w.runEnd(pos, member) - pos;
}

/// [\r\n]
size_t matchNewline(const Word &w, size_t pos) { return w.newline(pos) ? 1 : 0; }

/// Expressions without \p{..} run on code points, with whitespace outside ASCII replaced by
/// U+000B (std::wregex's \s knows only ASCII); classes written as ranges see the replacement.
uint32_t wideRegexCodepoint(const Word &w, size_t pos) {
  const uint32_t cp = w.cp(pos);
  return cp > 0x7F && cp != Word::kNone && w.space(pos) ? 0x0B : cp;
}

struct Range {
  uint32_t first, last;
};

template <size_t N>
bool inRanges(uint32_t cp, const Range (&ranges)[N]) {
  for (const Range &r : ranges)
    if (cp >= r.first && cp <= r.last)
      return true;
  return false;
}

/// [一-龥ࠀ-一가-퟿]+ (CJK ideographs, U+0800-U+4E00, Hangul and beyond)
size_t matchCjkRun(const Word &w, size_t pos) {
  static constexpr Range kCjk[] = {{0x4E00, 0x9FA5}, {0x0800, 0x4E00}, {0xAC00, 0xD7FF}};
  return w.runEnd(pos, [&](size_t p) { return inRanges(wideRegexCodepoint(w, p), kCjk); }) - pos;
}

/// \s?<class>+ where \s is optional and greedy.
template <typename Member>
size_t matchOptionalSpaceThenRun(const Word &w, size_t pos, Member member) {
  if (w.space(pos) && w.inside(pos + 1) && member(pos + 1))
    return w.runEnd(pos + 1, member) - pos;
  return w.runEnd(pos, member) - pos;
}

/// DeepSeek LLM's letters: \s?[A-Za-zµÀ-ÖØ-öø-ƺ...𞤀-𞥃]+ (cased letters of many scripts).
size_t matchDeepSeekLetters(const Word &w, size_t pos) {
  static constexpr Range kLetters[] = {
      {0x0041, 0x005A},   {0x0061, 0x007A},   {0x00B5, 0x00B5},   {0x00C0, 0x00D6},   {0x00D8, 0x00F6},
      {0x00F8, 0x01BA},   {0x01BC, 0x01BF},   {0x01C4, 0x0293},   {0x0295, 0x02AF},   {0x0370, 0x0373},
      {0x0376, 0x0377},   {0x037B, 0x037D},   {0x037F, 0x037F},   {0x0386, 0x0386},   {0x0388, 0x038A},
      {0x038C, 0x038C},   {0x038E, 0x03A1},   {0x03A3, 0x03F5},   {0x03F7, 0x0481},   {0x048A, 0x052F},
      {0x0531, 0x0556},   {0x10A0, 0x10C5},   {0x13A0, 0x13F5},   {0x13F8, 0x13FD},   {0x1C90, 0x1CBA},
      {0x1CBD, 0x1CBF},   {0x1D00, 0x1D2B},   {0x1D6B, 0x1D77},   {0x1D79, 0x1D9A},   {0x1E00, 0x1F15},
      {0x1F18, 0x1F1D},   {0x1F20, 0x1F45},   {0x1F48, 0x1F4D},   {0x1F50, 0x1F57},   {0x1F59, 0x1F59},
      {0x1F5B, 0x1F5B},   {0x1F5D, 0x1F5D},   {0x1F5F, 0x1F7D},   {0x1F80, 0x1FB4},   {0x1FB6, 0x1FBC},
      {0x1FBE, 0x1FBE},   {0x1FC2, 0x1FC4},   {0x1FC6, 0x1FCC},   {0x1FD0, 0x1FD3},   {0x1FD6, 0x1FDB},
      {0x1FE0, 0x1FEC},   {0x1FF2, 0x1FF4},   {0x1FF6, 0x1FFC},   {0x2102, 0x2102},   {0x2107, 0x2107},
      {0x210A, 0x2113},   {0x2115, 0x2115},   {0x2119, 0x211D},   {0x2124, 0x2124},   {0x2126, 0x2126},
      {0x2128, 0x2128},   {0x212A, 0x212D},   {0x212F, 0x2134},   {0x2139, 0x2139},   {0x213C, 0x213F},
      {0x2145, 0x2149},   {0x214E, 0x214E},   {0x2183, 0x2184},   {0x2C00, 0x2C7B},   {0x2C7E, 0x2CE4},
      {0x2CEB, 0x2CEE},   {0x2CF2, 0x2CF3},   {0xA640, 0xA66D},   {0xA680, 0xA69B},   {0xA722, 0xA76F},
      {0xA771, 0xA787},   {0xA78B, 0xA78E},   {0xAB70, 0xABBF},   {0xFB00, 0xFB06},   {0xFB13, 0xFB17},
      {0xFF21, 0xFF3A},   {0xFF41, 0xFF5A},   {0x10400, 0x1044F}, {0x104B0, 0x104D3}, {0x104D8, 0x104FB},
      {0x10C80, 0x10CB2}, {0x10CC0, 0x10CF2}, {0x118A0, 0x118DF}, {0x1E900, 0x1E943},
  };
  return matchOptionalSpaceThenRun(w, pos, [&](size_t p) { return inRanges(wideRegexCodepoint(w, p), kLetters); });
}

/// DeepSeek LLM's punctuation: \s?[!-/:-~！-／：-～‘-‟　-。]+ (ASCII and full-width).
size_t matchDeepSeekPunctuation(const Word &w, size_t pos) {
  static constexpr Range kPunctuation[] = {{0x21, 0x2F},     {0x3A, 0x7E},     {0xFF01, 0xFF0F},
                                           {0xFF1A, 0xFF5E}, {0x2018, 0x201F}, {0x3000, 0x3002}};
  return matchOptionalSpaceThenRun(w, pos,
                                   [&](size_t p) { return inRanges(wideRegexCodepoint(w, p), kPunctuation); });
}

/// \s+$
size_t matchTrailingSpaces(const Word &w, size_t pos) {
  const size_t end = w.runEnd(pos, [&](size_t p) { return w.space(p); });
  return end > pos && !w.inside(end) ? end - pos : 0;
}

/// \s?\p{L}+ (letters as std::regex sees them: whitespace is never a letter)
size_t matchOptionalSpaceLetters(const Word &w, size_t pos) {
  return matchOptionalSpaceThenRun(w, pos, [&](size_t p) { return w.letter(p) && !w.space(p); });
}

/// \s?\p{P}+
size_t matchOptionalSpacePunctuation(const Word &w, size_t pos) {
  return matchOptionalSpaceThenRun(w, pos, [&](size_t p) { return punctuation(w, p); });
}

// --- applying a list of expressions -------------------------------------------------------------

struct Step {
  Splitter splitter; ///< Either this,
  Matcher matcher;   ///< or this.
};

Lengths applyStep(const Text &text, const Lengths &words, const Step &step) {
  Lengths out;
  out.reserve(words.size());
  size_t begin = 0;
  for (size_t length : words) {
    const Word word{text, begin, begin + length};
    if (step.splitter) {
      step.splitter(word, out);
    } else {
      // std::regex_iterator: the leftmost match, then the next one after it; text between
      // matches stays a word.
      size_t gapStart = word.begin;
      for (size_t pos = word.begin; pos < word.end;) {
        const size_t match = step.matcher(word, pos);
        if (match == 0) {
          ++pos;
          continue;
        }
        if (pos > gapStart)
          out.push_back(pos - gapStart);
        out.push_back(match);
        pos += match;
        gapStart = pos;
      }
      if (word.end > gapStart)
        out.push_back(word.end - gapStart);
    }
    begin += length;
  }
  return out;
}

std::vector<Step> stepsOf(PreTokenizerKind kind) {
  switch (kind) {
  case PreTokenizerKind::Default:
    return {{{}, matchPunctuationRun}, {splitGpt2, {}}, {{}, matchDigits}, {{}, matchThreeAsciiDigits}};
  case PreTokenizerKind::Gpt2:
    return {{splitGpt2, {}}};
  case PreTokenizerKind::Llama3:
    return {{splitLlama3, {}}};
  case PreTokenizerKind::Qwen2:
    return {{{}, matchQwen2}};
  case PreTokenizerKind::SmolLM:
    return {{{}, matchDigit}, {splitGpt2, {}}};
  case PreTokenizerKind::DeepSeekLlm:
    return {{{}, matchNewline},         {{}, matchDeepSeekLetters}, {{}, matchDeepSeekPunctuation},
            {{}, matchTrailingSpaces},  {{}, matchCjkRun},          {{}, matchDigits}};
  case PreTokenizerKind::DeepSeekCoder:
    return {{{}, matchNewline},
            {{}, matchOptionalSpaceLetters},
            {{}, matchOptionalSpacePunctuation},
            {{}, matchCjkRun},
            {{}, matchDigit}};
  }
  return {};
}

struct NamedPreTokenizer {
  const char *name;
  PreTokenizer preTokenizer;
};

// The names llama.cpp (src/llama-vocab.cpp) maps onto each family.
const NamedPreTokenizer kPreTokenizers[] = {
    {"default", {PreTokenizerKind::Default}},
    {"gpt-2", {PreTokenizerKind::Gpt2}},
    {"phi-2", {PreTokenizerKind::Gpt2}},
    {"jina-es", {PreTokenizerKind::Gpt2}},
    {"jina-de", {PreTokenizerKind::Gpt2}},
    {"gigachat", {PreTokenizerKind::Gpt2}},
    {"jina-v2-es", {PreTokenizerKind::Gpt2}},
    {"jina-v2-de", {PreTokenizerKind::Gpt2}},
    {"a.x-4.0", {PreTokenizerKind::Gpt2}},
    {"mellum", {PreTokenizerKind::Gpt2}},
    {"mpt", {PreTokenizerKind::Gpt2}},
    {"olmo", {PreTokenizerKind::Gpt2}},
    {"jais", {PreTokenizerKind::Gpt2}},
    {"trillion", {PreTokenizerKind::Gpt2}},
    {"granite-docling", {PreTokenizerKind::Gpt2}},
    {"exaone4", {PreTokenizerKind::Gpt2}},
    {"llama3", {PreTokenizerKind::Llama3, true, true}},
    {"llama-v3", {PreTokenizerKind::Llama3, true, true}},
    {"llama-bpe", {PreTokenizerKind::Llama3, true, true}},
    {"falcon3", {PreTokenizerKind::Llama3, true, true}},
    {"falcon-h1", {PreTokenizerKind::Llama3, true, true}},
    {"pixtral", {PreTokenizerKind::Llama3, true, true}},
    {"midm-2.0", {PreTokenizerKind::Llama3, true, true}},
    {"lfm2", {PreTokenizerKind::Llama3, true, true}},
    {"dbrx", {PreTokenizerKind::Llama3}},
    {"smaug-bpe", {PreTokenizerKind::Llama3}},
    {"qwen2", {PreTokenizerKind::Qwen2}},
    {"deepseek-r1-qwen", {PreTokenizerKind::Qwen2}},
    {"megrez", {PreTokenizerKind::Qwen2}},
    {"stablelm2", {PreTokenizerKind::Qwen2}},
    {"hunyuan", {PreTokenizerKind::Qwen2}},
    {"smollm", {PreTokenizerKind::SmolLM}},
    {"starcoder", {PreTokenizerKind::SmolLM}},
    {"refact", {PreTokenizerKind::SmolLM}},
    {"command-r", {PreTokenizerKind::SmolLM}},
    {"codeshell", {PreTokenizerKind::SmolLM}},
    {"exaone", {PreTokenizerKind::SmolLM}},
    {"minerva-7b", {PreTokenizerKind::SmolLM}},
    {"deepseek-llm", {PreTokenizerKind::DeepSeekLlm}},
    {"deepseek-coder", {PreTokenizerKind::DeepSeekCoder}},
};

} // namespace

std::optional<PreTokenizer> findPreTokenizer(std::string_view name) {
  for (const NamedPreTokenizer &entry : kPreTokenizers)
    if (name == entry.name)
      return entry.preTokenizer;
  return std::nullopt;
}

std::string knownPreTokenizerNames() {
  std::string names;
  for (const NamedPreTokenizer &entry : kPreTokenizers) {
    if (!names.empty())
      names += ", ";
    names += entry.name;
  }
  return names;
}

std::vector<size_t> splitWords(PreTokenizerKind kind, const std::vector<uint32_t> &cps) {
  if (cps.empty())
    return {};
  const Text text(cps);
  Lengths words{cps.size()};
  for (const Step &step : stepsOf(kind))
    words = applyStep(text, words, step);
  return words;
}

} // namespace loom::tokenizer
