//===- FuzzNpy.cpp - .npy bytes into every way the tools read them --------===//

#include "FuzzCommon.h"
#include "hgq/Support/Npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string path = hgq::fuzz::asFile(data, size, ".npy");
  std::string error;
  hgq::NpyArray array;
  hgq::readNpy(path, array, error);
  hgq::NpySamples samples;
  if (samples.open(path, error)) {
    // Touch every value the header promises: it must be in the file.
    int64_t count = 1;
    for (int64_t dim : samples.shape())
      count *= dim;
    volatile float sum = 0;
    for (int64_t index = 0; index < count; ++index)
      sum = sum + samples.floats()[index];
  }
  return 0;
}
