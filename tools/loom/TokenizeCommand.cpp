//===- TokenizeCommand.cpp - `loom tokenize FILE.gguf --text TEXT` -------===//
//
// Runs the tokenizer stored in a GGUF file (runtime/tokenizer) on a text and
// prints the token ids, comma-separated, or with --decode each id and the
// bytes it stands for. The ids are llama.cpp's for the same file and flags
// (test/reference/test_tokenizer_llamacpp.py checks that).
//
//===----------------------------------------------------------------------===//
#include "Commands.h"

#include "loom/Tokenizer/Tokenizer.h"

#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace {
cl::SubCommand sub("tokenize", "Print the token ids of a text with the tokenizer of a GGUF file");
cl::opt<std::string> input(cl::Positional, cl::Required, cl::desc("<model.gguf>"), cl::sub(sub));
cl::opt<std::string> text("text", cl::desc("The text to tokenize"), cl::value_desc("TEXT"), cl::sub(sub));
cl::opt<std::string> textFile("file", cl::desc("Read the text from this file (- for stdin), byte for byte"),
                              cl::value_desc("F"), cl::sub(sub));
cl::opt<bool> noBos("no-bos", cl::desc("Do not add the BOS/EOS tokens the file asks for (add_bos_token)"),
                    cl::sub(sub));
cl::opt<bool> noSpecial("no-special",
                        cl::desc("Read control tokens written in the text (<|im_start|>) as plain text"),
                        cl::sub(sub));
cl::opt<bool> decode("decode", cl::desc("Print each id and its piece, one per line"), cl::sub(sub));

/// `bytes` in double quotes, readable: valid UTF-8 stays as it is, other bytes and controls
/// are escaped.
std::string quoted(StringRef bytes) {
  std::string out = "\"";
  for (size_t i = 0; i < bytes.size();) {
    const unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x80) {
      const unsigned length = getNumBytesForUTF8(c);
      const auto *begin = reinterpret_cast<const UTF8 *>(bytes.data() + i);
      if (i + length <= bytes.size() && isLegalUTF8Sequence(begin, begin + length)) {
        out.append(bytes.data() + i, length);
        i += length;
        continue;
      }
    }
    switch (c) {
    case '\n': out += "\\n"; break;
    case '\t': out += "\\t"; break;
    case '\r': out += "\\r"; break;
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    default:
      if (c < 0x20 || c >= 0x7F) {
        raw_string_ostream(out) << "\\x" << format_hex_no_prefix(c, 2);
      } else {
        out += static_cast<char>(c);
      }
    }
    ++i;
  }
  return out + "\"";
}

int run() {
  if (text.getNumOccurrences() == textFile.getNumOccurrences())
    return loom::reportError(createStringError("give exactly one of --text TEXT and --file F"));
  std::string content = text;
  if (textFile.getNumOccurrences()) {
    auto buffer = MemoryBuffer::getFileOrSTDIN(textFile, /*IsText=*/false);
    if (!buffer)
      return loom::reportError(createStringError(buffer.getError(), "cannot read '%s'", textFile.c_str()));
    content = (*buffer)->getBuffer().str();
  }
  auto tokenizer = loom::tokenizer::Tokenizer::fromFile(input);
  if (!tokenizer)
    return loom::reportError(tokenizer.takeError());
  const std::vector<int32_t> ids = (*tokenizer)->encode(content, /*addSpecial=*/!noBos, /*parseSpecial=*/!noSpecial);
  if (decode) {
    for (int32_t id : ids)
      outs() << id << "\t" << quoted((*tokenizer)->decode(id, /*renderSpecial=*/true)) << "\n";
    return 0;
  }
  for (size_t i = 0; i < ids.size(); ++i)
    outs() << (i ? "," : "") << ids[i];
  outs() << "\n";
  return 0;
}
} // namespace

loom::Command loom::tokenizeCommand() { return {sub, run}; }
