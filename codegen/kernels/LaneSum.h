//===- LaneSum.h - Vectorizable sums along a contiguous dimension -*- C++ -*-===//
//
// The kernels' reductions (dot products, sums of squares) run along the
// innermost, contiguous dimension. A Halide reduction over it is a serial
// scalar chain; this splits it into `lanes` independent partial sums, lane l
// taking terms l, l + lanes, l + 2 lanes, ..., which a schedule vectorizes
// over the lane and keeps in registers, plus a scalar tail for the last
// extent % lanes terms. The lanes are added in a balanced tree at the end.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_CODEGEN_KERNELS_LANESUM_H
#define LOOM_CODEGEN_KERNELS_LANESUM_H

#include "Halide.h"

#include <functional>
#include <string>
#include <vector>

namespace loom::kernels {

/// Adds `terms` in a balanced tree: O(log n) rounding error growth instead of O(n).
inline Halide::Expr pairwiseSum(std::vector<Halide::Expr> terms) {
  while (terms.size() > 1) {
    std::vector<Halide::Expr> next;
    for (size_t i = 0; i + 1 < terms.size(); i += 2)
      next.push_back(terms[i] + terms[i + 1]);
    if (terms.size() % 2)
      next.push_back(terms.back());
    terms = std::move(next);
  }
  return terms.front();
}

/// sum_{k < extent} term(k, vars...) as Funcs a schedule can place.
struct LaneSum {
  /// partial(lane, vars...): lane `lane`'s share of the first extent / lanes * lanes terms.
  Halide::Func partial;
  /// tail(vars...): the remaining extent % lanes terms.
  Halide::Func tail;
  /// The reduction domains of partial's and tail's update definitions.
  Halide::RDom body, rest;
  /// The whole sum, an expression in vars.
  Halide::Expr total;
};

/// `term(k)` gives the k-th term as an expression in `vars` (and k). The lane Var must not be among
/// `vars`; `lanes` is a compile-time constant so that the final tree is unrolled.
inline LaneSum laneSum(const std::string &name, const Halide::Var &lane, const std::vector<Halide::Var> &vars,
                       const Halide::Expr &extent, int lanes, const std::function<Halide::Expr(Halide::Expr)> &term) {
  using namespace Halide;
  LaneSum s{Func(name + "_partial"), Func(name + "_tail"), RDom(0, extent / lanes, name + "_body"),
            RDom(extent / lanes * lanes, extent % lanes, name + "_rest"), Expr()};
  std::vector<Var> partialVars{lane};
  partialVars.insert(partialVars.end(), vars.begin(), vars.end());
  std::vector<Expr> partialArgs{lane};
  partialArgs.insert(partialArgs.end(), vars.begin(), vars.end());

  // The sums take the terms' type: a caller wanting float64 accumulation returns float64 terms.
  Expr bodyTerm = term(s.body * lanes + lane);
  Expr zero = cast(bodyTerm.type(), 0);
  s.partial(partialVars) = zero;
  s.partial(partialArgs) += bodyTerm;
  s.tail(vars) = zero;
  s.tail(vars) += term(s.rest);

  std::vector<Expr> lanesOut;
  for (int l = 0; l < lanes; ++l) {
    std::vector<Expr> args{l};
    args.insert(args.end(), vars.begin(), vars.end());
    lanesOut.push_back(s.partial(args));
  }
  s.total = pairwiseSum(lanesOut) + s.tail(vars);
  return s;
}

} // namespace loom::kernels

#endif // LOOM_CODEGEN_KERNELS_LANESUM_H
