//===- SentencePiece.cpp - Score-based BPE on text without special tokens -===//
//
// llama.cpp's reading of a SentencePiece BPE model: the text (spaces already
// U+2581) starts as one symbol per UTF-8 character; the adjacent pair whose
// concatenation is the token with the highest score (leftmost among equals)
// is merged until no pair forms a token. A symbol that is not a token is
// spelled in `<0xXX>` byte tokens.
//
//===----------------------------------------------------------------------===//
#include "TokenizerImpl.h"
#include "Unicode.h"

#include <fmt/format.h>

#include <queue>

namespace loom::tokenizer {
namespace {

struct Symbol {
  size_t offset, length; ///< In the text; length 0 once merged away.
  int prev, next;
};

struct Candidate {
  int left, right;
  float score;
  size_t length; ///< Of the merged text, to recognise stale candidates.
};

struct WorseCandidate {
  bool operator()(const Candidate &a, const Candidate &b) const {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  }
};

} // namespace

void TokenizerImpl::encodeSentencePiece(std::string_view text, std::vector<TokenId> &out) const {
  std::vector<Symbol> symbols;
  for (size_t offset = 0; offset < text.size();) {
    const size_t length = std::min(utf8SequenceLength(uint8_t(text[offset])), text.size() - offset);
    const int index = int(symbols.size());
    symbols.push_back({offset, length, index - 1, offset + length == text.size() ? -1 : index + 1});
    offset += length;
  }
  std::priority_queue<Candidate, std::vector<Candidate>, WorseCandidate> queue;
  const auto consider = [&](int left, int right) {
    if (left < 0 || right < 0)
      return;
    const std::string_view merged = text.substr(symbols[left].offset, symbols[left].length + symbols[right].length);
    if (std::optional<TokenId> id = find(merged))
      queue.push({left, right, scores[*id], merged.size()});
  };
  for (int i = 1; i < int(symbols.size()); ++i)
    consider(i - 1, i);

  while (!queue.empty()) {
    const Candidate best = queue.top();
    queue.pop();
    Symbol &left = symbols[best.left];
    Symbol &right = symbols[best.right];
    if (left.length == 0 || right.length == 0 || left.length + right.length != best.length)
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
    const std::string_view piece = text.substr(symbols[i].offset, symbols[i].length);
    if (std::optional<TokenId> id = find(piece)) {
      out.push_back(*id);
      continue;
    }
    for (char c : piece) {
      // llama.cpp's byte_to_token: the <0xXX> token, else a token that is the byte itself. A
      // vocabulary with neither (llama.cpp fails) gives the unknown token, or nothing.
      std::optional<TokenId> id = find(fmt::format("<0x{:02X}>", uint8_t(c)));
      if (!id)
        id = find(std::string_view(&c, 1));
      if (!id)
        id = unknownId;
      if (id)
        out.push_back(*id);
    }
  }
}

} // namespace loom::tokenizer
