//===- Json.cpp - Bounds checked before a JSON text is parsed -------------===//

#include "hgq/Support/Json.h"

namespace hgq {

std::string jsonNestingError(std::string_view text, unsigned limit) {
  unsigned depth = 0, line = 1, column = 0;
  bool inString = false, escaped = false;
  for (char c : text) {
    ++column;
    if (c == '\n') {
      ++line;
      column = 0;
    }
    if (inString) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        inString = false;
      continue;
    }
    if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit)
        return "arrays and objects are nested deeper than " +
               std::to_string(limit) + " levels (at line " +
               std::to_string(line) + ", column " + std::to_string(column) +
               ")";
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return "";
}

} // namespace hgq
