//===- Options.h - What --help shows in the hgq tools ---------*- C++ -*-===//
//
// Linking LLVM registers several hundred command-line options of its code
// generators (AMDGPU, AArch64, ...) before main runs; --help listed them all
// among the few that matter. Called first thing in main, this hides every
// option registered so far except `keep`: what the tool and MLIR's drivers
// register afterwards (translations, passes, -o, --mlir-print-debuginfo)
// stays listed. Hidden options still work; --help-hidden lists them.
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_TOOLS_OPTIONS_H
#define HGQ_TOOLS_OPTIONS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CommandLine.h"

namespace hgq {

inline void hideLinkedOptions(llvm::ArrayRef<llvm::StringRef> keep) {
  for (auto &entry : llvm::cl::getRegisteredOptions()) {
    llvm::StringRef name = entry.first;
    if (!llvm::is_contained(keep, name) && !name.starts_with("help") &&
        name != "version")
      entry.second->setHiddenFlag(llvm::cl::Hidden);
  }
}

} // namespace hgq

#endif // HGQ_TOOLS_OPTIONS_H
