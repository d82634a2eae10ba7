//===- Version.h - What --version prints in every hgq tool ----*- C++ -*-===//
//
// hgq-mlir's own version first (HGQ_VERSION, set by tools/CMakeLists.txt from
// the project version), then the LLVM/MLIR it was built against: LLVM's
// default printer names only LLVM, which tells a user nothing about hgq.
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_TOOLS_VERSION_H
#define HGQ_TOOLS_VERSION_H

#include "llvm/Config/llvm-config.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"

namespace hgq {

/// Makes --version print "<tool> (hgq-mlir) X.Y.Z" and the LLVM/MLIR version.
inline void setVersionPrinter(const char *tool) {
  llvm::cl::SetVersionPrinter([tool](llvm::raw_ostream &os) {
    os << tool << " (hgq-mlir) " << HGQ_VERSION << "\n"
       << "  built against LLVM/MLIR " << LLVM_VERSION_STRING << "\n";
  });
}

} // namespace hgq

#endif // HGQ_TOOLS_VERSION_H
