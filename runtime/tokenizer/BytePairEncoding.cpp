//===- BytePairEncoding.cpp - Byte-level BPE on text without special tokens ===//
//
// Each word from the pre-tokenizer is spelled in GPT-2's byte characters and
// starts as one symbol per character; the adjacent pair with the lowest merge
// rank (leftmost among equals) is merged until no pair has a rank. A symbol
// that is not a token (merges can produce one) falls back to its single bytes'
// tokens, as llama.cpp does.
//
//===----------------------------------------------------------------------===//
#include "ByteLevel.h"
#include "TokenizerImpl.h"
#include "Unicode.h"

#include <queue>

namespace loom::tokenizer {
namespace {

struct Symbol {
  size_t offset, length; ///< In the word's byte-level spelling; length 0 once merged away.
  int prev, next;        ///< Neighbours in the word, -1 at its ends.
};

struct Candidate {
  int left, right;
  int rank;
  std::string text; ///< The merged text, to recognise candidates made stale by other merges.
};

struct LaterCandidate {
  bool operator()(const Candidate &a, const Candidate &b) const {
    return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
  }
};

} // namespace

void TokenizerImpl::encodeBytePairs(std::string_view text, std::vector<TokenId> &out) const {
  const std::vector<uint32_t> cps = decodeUtf8(text);
  size_t wordStart = 0;
  std::string utf8, word;
  for (size_t wordLength : splitWords(pre.kind, cps)) {
    utf8.clear();
    for (size_t i = wordStart; i < wordStart + wordLength; ++i)
      appendUtf8(utf8, cps[i]);
    wordStart += wordLength;
    word.clear();
    for (char byte : utf8)
      appendUtf8(word, byteToCodepoint(uint8_t(byte)));

    if (pre.ignoreMerges) {
      if (std::optional<TokenId> whole = find(word)) {
        out.push_back(*whole);
        continue;
      }
    }

    std::vector<Symbol> symbols;
    for (size_t offset = 0; offset < word.size();) {
      const size_t length = std::min(utf8SequenceLength(uint8_t(word[offset])), word.size() - offset);
      const int index = int(symbols.size());
      symbols.push_back({offset, length, index - 1, offset + length == word.size() ? -1 : index + 1});
      offset += length;
    }
    const auto textOf = [&](int i) { return std::string_view(word).substr(symbols[i].offset, symbols[i].length); };

    std::priority_queue<Candidate, std::vector<Candidate>, LaterCandidate> queue;
    const auto consider = [&](int left, int right) {
      if (left < 0 || right < 0)
        return;
      auto rank = mergeRanks.find({std::string(textOf(left)), std::string(textOf(right))});
      if (rank == mergeRanks.end())
        return;
      queue.push({left, right, rank->second, std::string(textOf(left)) + std::string(textOf(right))});
    };
    for (int i = 1; i < int(symbols.size()); ++i)
      consider(i - 1, i);

    while (!queue.empty()) {
      const Candidate best = queue.top();
      queue.pop();
      Symbol &left = symbols[best.left];
      Symbol &right = symbols[best.right];
      if (left.length == 0 || right.length == 0 || left.length + right.length != best.text.size() ||
          std::string(textOf(best.left)) + std::string(textOf(best.right)) != best.text)
        continue;
      left.length += right.length;
      right.length = 0;
      left.next = right.next;
      if (right.next >= 0)
        symbols[right.next].prev = best.left;
      consider(left.prev, best.left);
      consider(best.left, left.next);
    }

    for (int i = symbols.empty() ? -1 : 0; i >= 0; i = symbols[i].next) {
      const std::string_view piece = textOf(i);
      if (std::optional<TokenId> id = find(piece)) {
        out.push_back(*id);
        continue;
      }
      for (char byte : piece)
        if (std::optional<TokenId> id = find(std::string_view(&byte, 1)))
          out.push_back(*id);
    }
  }
}

} // namespace loom::tokenizer
