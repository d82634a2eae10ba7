//===- Hdf5File.cpp - The little of HDF5 a Keras model file needs ---------===//

#include "Hdf5File.h"
#include "hgq/Support/Keras.h"
#include "hgq/Support/Shape.h"

#include <hdf5.h>
#include <hdf5_hl.h>

using namespace hgq;
using namespace hgq::keras_import;

namespace {

using keras::Handle;

/// Reads a dataset of numbers as `memoryType`. What the file says about the
/// dataset is checked before anything is allocated: the element count must
/// fit in 64 bits, the values must be stored in this file (external raw
/// files and virtual datasets would read other files on the disk), and the
/// bytes they become may exceed the bytes stored only by what compression can
/// achieve, so a 200-byte header cannot claim gigabytes.
template <typename T>
bool readDataset(hid_t file, const std::string &path, hid_t memoryType,
                 Array<T> &out, std::string &error) {
  if (H5Lexists(file, path.c_str(), H5P_DEFAULT) <= 0) {
    error = "no dataset '" + path + "'";
    return false;
  }
  Handle dataset(H5Dopen2(file, path.c_str(), H5P_DEFAULT), H5Dclose);
  if (!dataset) {
    error = "'" + path + "' is not a dataset";
    return false;
  }
  Handle space(H5Dget_space(dataset.id), H5Sclose);
  int rank = space ? H5Sget_simple_extent_ndims(space.id) : -1;
  if (rank < 0) {
    error = "dataset '" + path + "' has no simple shape";
    return false;
  }
  std::vector<hsize_t> dims(rank);
  H5Sget_simple_extent_dims(space.id, dims.data(), nullptr);
  out.shape.clear();
  for (hsize_t dim : dims)
    out.shape.push_back(dim > uint64_t(INT64_MAX) ? -1 : int64_t(dim));
  std::optional<int64_t> count = elementCount(out.shape);
  if (!count || uint64_t(*count) > uint64_t(INT64_MAX) / sizeof(T)) {
    error = "dataset '" + path + "' has a shape whose size overflows";
    return false;
  }
  Handle stored(H5Dget_type(dataset.id), H5Tclose);
  H5T_class_t kind = stored ? H5Tget_class(stored.id) : H5T_NO_CLASS;
  if (kind != H5T_FLOAT && kind != H5T_INTEGER) {
    error = "dataset '" + path + "' does not hold numbers";
    return false;
  }
  Handle creation(H5Dget_create_plist(dataset.id), H5Pclose);
  if (!creation || H5Pget_external_count(creation.id) != 0 ||
      H5Pget_layout(creation.id) == H5D_VIRTUAL) {
    error = "dataset '" + path +
            "' is stored outside the file (external or virtual storage), "
            "which is not read";
    return false;
  }
  uint64_t bytes = uint64_t(*count) * sizeof(T);
  uint64_t storage = H5Dget_storage_size(dataset.id);
  // Deflate expands at most about 1032 times; fill values of unwritten
  // chunks are bounded by the same allowance over a small floor.
  constexpr uint64_t kMaxExpansion = 1100, kFloor = 1 << 16;
  if (bytes > kFloor && bytes / kMaxExpansion > storage) {
    error = "dataset '" + path + "' claims " + std::to_string(*count) +
            " values but stores only " + std::to_string(storage) + " bytes";
    return false;
  }
  out.values.resize(*count);
  if (*count != 0 && H5Dread(dataset.id, memoryType, H5S_ALL, H5S_ALL,
                             H5P_DEFAULT, out.values.data()) < 0) {
    error = "dataset '" + path + "' cannot be read";
    return false;
  }
  return true;
}

struct VisitState {
  std::string root;
  std::map<std::string, std::string> found;
};

herr_t visitLink(hid_t group, const char *name, const H5L_info_t *,
                 void *data) {
  auto *state = static_cast<VisitState *>(data);
  H5O_info_t info;
  if (H5Oget_info_by_name2(group, name, &info, H5O_INFO_BASIC, H5P_DEFAULT) <
          0 ||
      info.type != H5O_TYPE_DATASET)
    return 0;
  std::string relative = name;
  size_t slash = relative.rfind('/');
  std::string leaf =
      slash == std::string::npos ? relative : relative.substr(slash + 1);
  state->found.emplace(leaf, state->root + "/" + relative);
  return 0;
}

/// Little-endian unsigned integer of `size` bytes at `at`.
uint64_t readLittle(llvm::StringRef bytes, size_t at, unsigned size) {
  uint64_t value = 0;
  for (unsigned b = 0; b < size; ++b)
    value |= uint64_t(uint8_t(bytes[at + b])) << (8 * b);
  return value;
}

/// libhdf5 (1.10) walks the objects of a global heap collection, where
/// variable-length strings such as model_config live, trusting their sizes:
/// a free-space object of size 0 makes it loop forever, and a size that
/// wraps moves its cursor outside the collection. Every collection it could
/// read starts with the signature "GCOL" (which it checks), so each one in
/// the image is walked here first, with the same arithmetic, and a walk that
/// does not end exactly at the collection's end is refused. Returns the
/// problem, or an empty string.
std::string globalHeapProblem(llvm::StringRef bytes) {
  // The superblock gives the width of lengths: byte 14 in versions 0 and 1,
  // byte 10 in versions 2 and 3.
  if (bytes.size() < 16)
    return "";
  unsigned version = uint8_t(bytes[8]);
  unsigned lengthSize = uint8_t(bytes[version <= 1 ? 14 : 10]);
  if (lengthSize != 2 && lengthSize != 4 && lengthSize != 8)
    return "the superblock declares " + std::to_string(lengthSize) +
           "-byte lengths (2, 4 or 8 are read)";
  const uint64_t header = 8 + lengthSize, objectHeader = 8 + lengthSize;
  for (size_t at = bytes.find("GCOL"); at != llvm::StringRef::npos;
       at = bytes.find("GCOL", at + 1)) {
    if (at + header > bytes.size() || uint8_t(bytes[at + 4]) != 1)
      continue;
    uint64_t size = readLittle(bytes, at + 8, lengthSize);
    // A collection that does not fit in the file is refused by libhdf5 when
    // it reads it (and "GCOL" may occur by chance inside data).
    if (size < header || size > bytes.size() - at)
      continue;
    uint64_t offset = header;
    while (offset < size) {
      if (size - offset < objectHeader)
        break; // libhdf5 takes the tail as free space
      unsigned index = unsigned(readLittle(bytes, at + offset, 2));
      uint64_t objectSize = readLittle(bytes, at + offset + 8, lengthSize);
      uint64_t need = objectSize;
      if (index > 0)
        need = objectSize > size ? 0 : objectHeader + (objectSize + 7) / 8 * 8;
      if (need == 0 || need > size - offset)
        return "the global heap collection at byte " + std::to_string(at) +
               " is damaged (object " + std::to_string(index) + " at byte " +
               std::to_string(at + offset) + " has size " +
               std::to_string(objectSize) + ")";
      offset += need;
    }
  }
  return "";
}

} // namespace

Hdf5File::Hdf5File(llvm::StringRef bytes, std::string &error) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  if (bytes.starts_with("PK\x03\x04")) {
    // Keras 3 saves .keras zip archives (config.json, model.weights.h5).
    error = "a zip archive (Keras 3's .keras format), not an HDF5 file; "
            "save the model with model.save('model.h5') (the HDF5 format, "
            "which Keras 3 still writes) and import that";
    return;
  }
  if (bytes.size() < 8 || !bytes.starts_with("\x89HDF\r\n\x1a\n")) {
    error = "not an HDF5 file";
    return;
  }
  if (std::string problem = globalHeapProblem(bytes); !problem.empty()) {
    error = "the HDF5 file is damaged: " + problem;
    return;
  }
  // Without H5LT_FILE_IMAGE_DONT_COPY, HDF5 takes its own copy of the image
  // and never writes to ours.
  file = H5LTopen_file_image(const_cast<char *>(bytes.data()), bytes.size(), 0);
  if (file < 0)
    error = "the HDF5 file is damaged or truncated";
}

Hdf5File::~Hdf5File() {
  if (file >= 0)
    H5Fclose(file);
}

std::optional<std::string>
Hdf5File::stringAttribute(const std::string &path,
                          const std::string &name) const {
  if (H5Aexists_by_name(file, path.c_str(), name.c_str(), H5P_DEFAULT) <= 0)
    return std::nullopt;
  Handle attribute(H5Aopen_by_name(file, path.c_str(), name.c_str(),
                                   H5P_DEFAULT, H5P_DEFAULT),
                   H5Aclose);
  Handle type(attribute ? H5Aget_type(attribute.id) : -1, H5Tclose);
  if (!type || H5Tget_class(type.id) != H5T_STRING)
    return std::nullopt;
  if (H5Tis_variable_str(type.id) > 0) {
    Handle memory(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(memory.id, H5T_VARIABLE);
    H5Tset_cset(memory.id, H5Tget_cset(type.id));
    char *text = nullptr;
    if (H5Aread(attribute.id, memory.id, &text) < 0 || !text)
      return std::nullopt;
    std::string result(text);
    H5free_memory(text);
    return result;
  }
  size_t size = H5Tget_size(type.id);
  std::string result(size, '\0');
  if (H5Aread(attribute.id, type.id, result.data()) < 0)
    return std::nullopt;
  result.resize(result.find('\0') == std::string::npos ? size
                                                       : result.find('\0'));
  return result;
}

bool Hdf5File::hasGroup(const std::string &path) const {
  if (H5Lexists(file, path.c_str(), H5P_DEFAULT) <= 0)
    return false;
  H5O_info_t info;
  return H5Oget_info_by_name2(file, path.c_str(), &info, H5O_INFO_BASIC,
                              H5P_DEFAULT) >= 0 &&
         info.type == H5O_TYPE_GROUP;
}

std::map<std::string, std::string>
Hdf5File::datasets(const std::string &path) const {
  VisitState state{path, {}};
  if (!hasGroup(path))
    return {};
  Handle group(H5Gopen2(file, path.c_str(), H5P_DEFAULT), H5Gclose);
  if (group)
    H5Lvisit(group.id, H5_INDEX_NAME, H5_ITER_INC, visitLink, &state);
  return state.found;
}

bool Hdf5File::readFloats(const std::string &path, Array<float> &out,
                          std::string &error) const {
  return readDataset(file, path, H5T_NATIVE_FLOAT, out, error);
}
