//===- Keras.h - What the Keras HDF5 reader and writer share ----*- C++ -*-===//
//
// The Keras reader (lib/Import/Keras) and the Keras proxy writer
// (lib/Target/KerasProxy) both talk to the HDF5 C library and both map
// Keras's activation names to the dialect's. Include only where HDF5 is
// linked.
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_SUPPORT_KERAS_H
#define HGQ_SUPPORT_KERAS_H

#include <hdf5.h>

#include <string>
#include <utility>
#include <vector>

namespace hgq::keras {

/// Closes an HDF5 handle when it goes out of scope.
struct Handle {
  hid_t id;
  herr_t (*close)(hid_t);
  Handle(hid_t id, herr_t (*close)(hid_t)) : id(id), close(close) {}
  ~Handle() {
    if (id >= 0)
      close(id);
  }
  Handle(const Handle &) = delete;
  Handle &operator=(const Handle &) = delete;
  explicit operator bool() const { return id >= 0; }
};

/// Keras's parameterless activations (Activation layers, and the
/// `activation` of Dense/Conv) and the dialect's names for them.
inline const std::vector<std::pair<std::string, std::string>> &
activationNames() {
  static const std::vector<std::pair<std::string, std::string>> names = {
      {"relu", "relu"},         {"tanh", "tanh"},
      {"sigmoid", "sigmoid"},   {"softmax", "softmax"},
      {"elu", "elu"},           {"selu", "selu"},
      {"softplus", "softplus"}, {"softsign", "softsign"},
      {"exponential", "exp"},   {"hard_sigmoid", "hard_sigmoid"}};
  return names;
}

} // namespace hgq::keras

#endif // HGQ_SUPPORT_KERAS_H
