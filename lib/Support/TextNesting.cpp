//===- TextNesting.cpp - Nesting bounds checked before text is parsed -----===//

#include "hgq/Support/TextNesting.h"

namespace hgq {

namespace {

/// One scanner for both syntaxes: strings (with escapes) are skipped, and
/// for MLIR also // comments and the '>' of "->". Brackets of every kind
/// count together: the parsers recurse through all of them.
std::string nestingError(std::string_view text, unsigned limit, bool mlir,
                         const char *what) {
  unsigned depth = 0, line = 1, column = 0;
  bool inString = false, escaped = false, inComment = false;
  char previous = 0;
  for (char c : text) {
    ++column;
    if (c == '\n') {
      ++line;
      column = 0;
      inComment = false;
    }
    char before = previous;
    previous = c;
    if (inComment)
      continue;
    if (inString) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        inString = false;
      continue;
    }
    bool opens = c == '[' || c == '{' || (mlir && (c == '(' || c == '<'));
    bool closes = c == ']' || c == '}' ||
                  (mlir && (c == ')' || (c == '>' && before != '-')));
    if (c == '"') {
      inString = true;
    } else if (mlir && c == '/' && before == '/') {
      inComment = true;
    } else if (opens) {
      if (++depth > limit)
        return std::string(what) + " are nested deeper than " +
               std::to_string(limit) + " levels (at line " +
               std::to_string(line) + ", column " + std::to_string(column) +
               ")";
    } else if (closes && depth > 0) {
      --depth;
    }
  }
  return "";
}

} // namespace

std::string jsonNestingError(std::string_view text, unsigned limit) {
  return nestingError(text, limit, /*mlir=*/false, "arrays and objects");
}

std::string mlirNestingError(std::string_view text, unsigned limit) {
  return nestingError(text, limit, /*mlir=*/true,
                      "brackets (attributes, types, regions)");
}

std::string mlirInputError(std::string_view text) {
  auto startsWith = [&](std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
  };
  if (startsWith(std::string_view("\x89HDF\r\n\x1a\n", 8)))
    return "this is an HDF5 file, not hgq IR (MLIR text); a Keras model "
           "imports with hgq-translate --import-keras FILE -o model.mlir";
  if (startsWith("\x93NUMPY"))
    return "this is a .npy array, not hgq IR (MLIR text); arrays are inputs "
           "(hgq-run --input, calibration=)";
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && text[first] == '{')
    return "this is a JSON document, not hgq IR (MLIR text); an hls4ml "
           "document imports with hgq-translate --import-hls4ml FILE -o "
           "model.mlir";
  // MLIR text has no NUL bytes; protobuf (ONNX) almost always has some early.
  if (text.substr(0, 4096).find('\0') != std::string_view::npos)
    return "this is a binary file, not hgq IR (MLIR text); an ONNX model "
           "imports with hgq-translate --import-onnx FILE -o model.mlir";
  return mlirNestingError(text);
}

} // namespace hgq
