//===- TextNesting.h - Nesting bounds checked before parsing --*- C++ -*-===//
//
// LLVM's JSON parser and MLIR's parser recurse once per nested array, object
// or attribute, so a text of a million '[' overflows the stack before either
// can say anything. Readers of user files call these first; readers of hgq
// IR also say what a file that is not MLIR text is.
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

/// What the tools that read hgq IR check before parsing: empty when `text`
/// may be MLIR text; otherwise what it is instead (an ONNX, Keras/HDF5 or
/// .npy file, a JSON document) and the command that reads it, or the nesting
/// error above. MLIR's parser would say "unexpected character" on line 1.
std::string mlirInputError(std::string_view text);

} // namespace hgq

#endif // HGQ_SUPPORT_TEXTNESTING_H
