//===- Olmo2.cpp - The OLMo 2 family ------------------------------------===//
//
// OLMo 2: norms after attention and feed-forward inside the residual
// (post-norm), a QK-norm over the whole q and k projections before the head
// split; llama.cpp keeps the rows (NeoX RoPE).
//
//===----------------------------------------------------------------------===//

#include "../Family.h"

namespace loom::rt {

extern const Family kOlmo2Family = {
    .configType = "olmo2",
    .ggufArch = "olmo2",
    .decoder = {.block = BlockStyle::PostNorm, .qkNorm = QkNorm::AllHeads},
};

} // namespace loom::rt
