//===- TextNesting.h - Nesting bounds checked before parsing --*- C++ -*-===//
//
// LLVM's JSON parser and MLIR's parser recurse once per nested array, object
// or attribute, so a text of a million '[' overflows the stack before either
// can say anything. Readers of user files call these first.
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_SUPPORT_TEXTNESTING_H
#define HGQ_SUPPORT_TEXTNESTING_H

#include <string>
#include <string_view>

namespace hgq {

/// Deeper than any model document (hls4ml's, Keras' model_config) needs.
constexpr unsigned kMaxJsonNesting = 256;
/// Deeper than any hgq module needs (regions, dense attributes of any rank,
/// nested types), far below what overflows the parser's stack.
constexpr unsigned kMaxMlirNesting = 512;

/// Empty when no array or object in `text` is nested deeper than `limit`;
/// otherwise says where the limit is passed (line and column). Strings and
/// their escapes are skipped, so brackets inside names do not count.
std::string jsonNestingError(std::string_view text,
                             unsigned limit = kMaxJsonNesting);

/// The same for MLIR text: (), [], {} and <> (but not the '>' of "->"),
/// outside strings and // comments.
std::string mlirNestingError(std::string_view text,
                             unsigned limit = kMaxMlirNesting);

} // namespace hgq

#endif // HGQ_SUPPORT_TEXTNESTING_H
