//===- Hdf5File.cpp - The little of HDF5 a Keras model file needs ---------===//

#include "Hdf5File.h"
#include "hgq/Support/Keras.h"
#include "hgq/Support/Shape.h"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>

#include <fcntl.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) ||                                        \
    __has_feature(undefined_behavior_sanitizer)
#define HGQ_SANITIZED 1
#include <sanitizer/common_interface_defs.h>
#endif
#endif

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

/// A variable- or fixed-length string attribute of the object at `path`.
std::optional<std::string> stringAttribute(hid_t file, const char *path,
                                           const char *name) {
  if (H5Aexists_by_name(file, path, name, H5P_DEFAULT) <= 0)
    return std::nullopt;
  Handle attribute(H5Aopen_by_name(file, path, name, H5P_DEFAULT, H5P_DEFAULT),
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

bool isGroup(hid_t file, const char *path) {
  if (H5Lexists(file, path, H5P_DEFAULT) <= 0)
    return false;
  H5O_info_t info;
  return H5Oget_info_by_name2(file, path, &info, H5O_INFO_BASIC, H5P_DEFAULT) >=
             0 &&
         info.type == H5O_TYPE_GROUP;
}

herr_t collectName(hid_t, const char *name, const H5A_info_t *, void *data) {
  static_cast<std::vector<std::string> *>(data)->push_back(name);
  return 0;
}

/// The groups and datasets below a group, by path relative to it, in the
/// order libhdf5 visits them (by name, depth first).
struct Listing {
  std::vector<std::pair<std::string, bool>> entries; ///< (path, is a group)
};

herr_t visitLink(hid_t group, const char *name, const H5L_info_t *,
                 void *data) {
  H5O_info_t info;
  if (H5Oget_info_by_name2(group, name, &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0)
    return 0;
  if (info.type == H5O_TYPE_GROUP || info.type == H5O_TYPE_DATASET)
    static_cast<Listing *>(data)->entries.emplace_back(
        name, info.type == H5O_TYPE_GROUP);
  return 0;
}

// What the child process sends back: records of a tag byte and fields
// (64-bit little-endian integers, length-prefixed strings), ending with 'E'.
//   'A' name value         a root string attribute
//   'G' path               a group
//   'D' path error rank dims... count floats...
//   'X' message            the file cannot be read at all
struct WireWriter {
  std::string out;
  void tag(char c) { out.push_back(c); }
  void number(uint64_t value) {
    for (int b = 0; b < 8; ++b)
      out.push_back(char((value >> (8 * b)) & 0xff));
  }
  void text(const std::string &value) {
    number(value.size());
    out += value;
  }
};

struct WireReader {
  llvm::StringRef in;
  size_t at = 0;
  bool ok = true;
  char tag() {
    if (at >= in.size())
      return ok = false, 0;
    return in[at++];
  }
  uint64_t number() {
    if (in.size() - at < 8)
      return ok = false, 0;
    uint64_t value = readLittle(in, at, 8);
    at += 8;
    return value;
  }
  std::string text() {
    uint64_t size = number();
    if (!ok || size > in.size() - at)
      return ok = false, std::string();
    std::string value = in.substr(at, size).str();
    at += size;
    return value;
  }
};

/// Runs in the child: reads everything the importer may ask for.
std::string readAll(llvm::StringRef bytes, uint64_t budget) {
  WireWriter wire;
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  // Without H5LT_FILE_IMAGE_DONT_COPY, HDF5 takes its own copy of the image
  // and never writes to ours.
  hid_t file =
      H5LTopen_file_image(const_cast<char *>(bytes.data()), bytes.size(), 0);
  if (file < 0) {
    wire.tag('X');
    wire.text("the HDF5 file is damaged or truncated");
    wire.tag('E');
    return wire.out;
  }
  std::vector<std::string> names;
  H5Aiterate2(file, H5_INDEX_NAME, H5_ITER_INC, nullptr, collectName, &names);
  for (const std::string &name : names)
    if (std::optional<std::string> value =
            stringAttribute(file, "/", name.c_str())) {
      wire.tag('A');
      wire.text(name);
      wire.text(*value);
    }
  const std::string root = "/model_weights";
  if (isGroup(file, root.c_str())) {
    wire.tag('G');
    wire.text(root);
    Listing listing;
    Handle group(H5Gopen2(file, root.c_str(), H5P_DEFAULT), H5Gclose);
    if (group)
      H5Lvisit(group.id, H5_INDEX_NAME, H5_ITER_INC, visitLink, &listing);
    uint64_t total = 0;
    for (const auto &[relative, isGroup] : listing.entries) {
      std::string path = root + "/" + relative;
      if (isGroup) {
        wire.tag('G');
        wire.text(path);
        continue;
      }
      Array<float> array;
      std::string error;
      readDataset(file, path, H5T_NATIVE_FLOAT, array, error);
      // Hard links can name one dataset many times.
      total += array.values.size() * sizeof(float);
      if (total > budget) {
        wire.out.clear();
        wire.tag('X');
        wire.text("the datasets under /model_weights hold more than " +
                  std::to_string(budget >> 20) +
                  " MiB, more than a file of this size can store");
        break;
      }
      wire.tag('D');
      wire.text(path);
      wire.text(error);
      wire.number(array.shape.size());
      for (int64_t dim : array.shape)
        wire.number(uint64_t(dim));
      wire.number(array.values.size());
      if (!array.values.empty())
        wire.out.append(reinterpret_cast<const char *>(array.values.data()),
                        array.values.size() * sizeof(float));
    }
  }
  H5Fclose(file);
  wire.tag('E');
  return wire.out;
}

std::atomic<unsigned> cpuLimitSeconds{60};

/// Runs readAll in a child process and returns what it sent, or sets
/// `error` when it failed, crashed or ran out of time.
bool readIsolated(llvm::StringRef bytes, uint64_t budget, std::string &wire,
                  std::string &error) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    error = std::string("cannot start the HDF5 reader: ") + strerror(errno);
    return false;
  }
  unsigned seconds = cpuLimitSeconds.load();
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    error = std::string("cannot start the HDF5 reader: ") + strerror(errno);
    return false;
  }
  if (pid == 0) {
    // The child: nothing it prints reaches the user (the parent reports),
    // and a fault ends it with the default action instead of the handlers
    // the tool (or a fuzzer) installed.
    close(fds[0]);
    int null = ::open("/dev/null", O_WRONLY);
    if (null >= 0)
      dup2(null, STDERR_FILENO);
    for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGXCPU})
      signal(sig, SIG_DFL);
#ifdef HGQ_SANITIZED
    __sanitizer_set_death_callback(nullptr);
#endif
    rlimit cpu{seconds, seconds + 1};
    setrlimit(RLIMIT_CPU, &cpu);
    std::string out = readAll(bytes, budget);
    for (size_t done = 0; done < out.size();) {
      ssize_t n = write(fds[1], out.data() + done, out.size() - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        _exit(3);
      done += size_t(n);
    }
    _exit(0);
  }
  close(fds[1]);
  // Names and shapes add to the values; the child is stopped if it sends
  // more than it may hold.
  uint64_t limit = budget + (uint64_t(64) << 20);
  bool tooMuch = false;
  char buffer[1 << 16];
  for (;;) {
    ssize_t n = read(fds[0], buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    wire.append(buffer, size_t(n));
    if (wire.size() > limit) {
      tooMuch = true;
      kill(pid, SIGKILL);
      break;
    }
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (tooMuch) {
    error = "the HDF5 file holds more data than a file of its size can";
    return false;
  }
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    if (sig == SIGXCPU || sig == SIGKILL)
      error = "the HDF5 library did not finish reading the file in " +
              std::to_string(seconds) + " s of CPU time; the file is damaged";
    else
      error = std::string("the HDF5 library crashed reading the file (") +
              strsignal(sig) + "); the file is damaged";
    return false;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || wire.empty() ||
      wire.back() != 'E') {
    error = "the HDF5 library failed reading the file (exit status " +
            std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
            "); the file is damaged";
    return false;
  }
  return true;
}

} // namespace

void Hdf5File::setCpuLimit(unsigned seconds) {
  cpuLimitSeconds = seconds == 0 ? 1 : seconds;
}

Hdf5File::Hdf5File(llvm::StringRef bytes, std::string &error) {
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
  // What the values may take: as much as deflate can expand the file, over
  // a floor for small files.
  uint64_t budget = uint64_t(bytes.size()) * 1100 + (uint64_t(64) << 20);
  std::string wire;
  if (!readIsolated(bytes, budget, wire, error))
    return;
  WireReader in{wire};
  for (char tag = in.tag(); in.ok && tag != 'E'; tag = in.tag()) {
    if (tag == 'X') {
      error = in.text();
      return;
    }
    if (tag == 'A') {
      std::string name = in.text();
      rootAttributes[name] = in.text();
    } else if (tag == 'G') {
      groups.insert(in.text());
    } else if (tag == 'D') {
      std::pair<std::string, Dataset> entry;
      entry.first = in.text();
      entry.second.error = in.text();
      uint64_t rank = in.number();
      for (uint64_t d = 0; in.ok && d < rank; ++d)
        entry.second.array.shape.push_back(int64_t(in.number()));
      uint64_t count = in.number();
      if (!in.ok || count > (wire.size() - in.at) / sizeof(float)) {
        in.ok = false;
        break;
      }
      entry.second.array.values.resize(count);
      if (count != 0) // an empty vector's data() may be null
        std::memcpy(entry.second.array.values.data(), wire.data() + in.at,
                    count * sizeof(float));
      in.at += count * sizeof(float);
      order.push_back(entry.first);
      contents.insert(std::move(entry));
    } else {
      in.ok = false;
    }
  }
  if (!in.ok) {
    error = "the HDF5 reader sent a malformed answer (an internal error)";
    return;
  }
  open = true;
}

std::optional<std::string>
Hdf5File::rootStringAttribute(const std::string &name) const {
  auto found = rootAttributes.find(name);
  if (found == rootAttributes.end())
    return std::nullopt;
  return found->second;
}

bool Hdf5File::hasGroup(const std::string &path) const {
  return groups.count(path) != 0;
}

std::map<std::string, std::string>
Hdf5File::datasets(const std::string &path) const {
  std::map<std::string, std::string> found;
  if (!hasGroup(path))
    return found;
  std::string prefix = path + "/";
  for (const std::string &full : order) {
    if (full.compare(0, prefix.size(), prefix) != 0)
      continue;
    found.emplace(full.substr(full.rfind('/') + 1), full);
  }
  return found;
}

bool Hdf5File::readFloats(const std::string &path, Array<float> &out,
                          std::string &error) const {
  auto found = contents.find(path);
  if (found == contents.end()) {
    error = "no dataset '" + path + "'";
    return false;
  }
  if (!found->second.error.empty()) {
    error = found->second.error;
    return false;
  }
  out = found->second.array;
  return true;
}
