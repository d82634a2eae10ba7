//===- InitAllTranslations.h - Every hgq-translate format -------*- C++ -*-===//
//
// The one list of the project's translations: importers under lib/Import,
// emitters under lib/Target. A new format registers here.
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_INITALLTRANSLATIONS_H
#define HGQ_INITALLTRANSLATIONS_H

#include "hgq/Import/Hls4mlImporter.h"
#include "hgq/Import/KerasImporter.h"
#include "hgq/Import/OnnxImporter.h"
#include "hgq/Target/FormatReport.h"
#include "hgq/Target/Hls.h"
#include "hgq/Target/Hls4ml.h"
#include "hgq/Target/KerasProxy.h"
#include "hgq/Target/OnnxExport.h"

namespace hgq {

inline void registerAllTranslations() {
  registerFormatReportTranslation();
  registerOnnxImportTranslation();
  registerHls4mlExportTranslation();
  registerHls4mlImportTranslation();
  registerHlsTranslation();
  registerOnnxExportTranslation();
  registerKerasImportTranslation();
  registerKerasProxyExportTranslation();
}

} // namespace hgq

#endif // HGQ_INITALLTRANSLATIONS_H
