//===- Npy.cpp - Reading and writing NumPy .npy arrays --------------------===//

#include "hgq/Support/Npy.h"
#include "hgq/Support/OutputFile.h"
#include "hgq/Support/Shape.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <string_view>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hgq {
namespace {

/// The value of `key` in a .npy header dictionary, up to the next ',' at depth
/// 0 (or '}'), trimmed.
bool headerField(const std::string &header, const std::string &key,
                 std::string &value) {
  std::string quoted = "'" + key + "'";
  size_t at = header.find(quoted);
  if (at == std::string::npos)
    return false;
  at = header.find(':', at + quoted.size());
  if (at == std::string::npos)
    return false;
  ++at;
  int depth = 0;
  size_t end = at;
  for (; end < header.size(); ++end) {
    char c = header[end];
    if (c == '(')
      ++depth;
    else if (c == ')')
      --depth;
    else if ((c == ',' || c == '}') && depth == 0)
      break;
  }
  value = header.substr(at, end - at);
  size_t first = value.find_first_not_of(" \t");
  size_t last = value.find_last_not_of(" \t");
  value =
      first == std::string::npos ? "" : value.substr(first, last - first + 1);
  return true;
}

} // namespace

namespace {

/// Opens `path` and reads its header: shape, element type; `in` is left at
/// the first data byte and `count` is the number of elements.
bool readHeader(const std::string &path, std::ifstream &in,
                std::vector<int64_t> &shape, NpyType &type, int64_t &count,
                std::string &error) {
  in.open(path, std::ios::binary);
  if (!in) {
    error = path + ": cannot open: " + std::strerror(errno);
    return false;
  }
  char magic[8];
  if (!in.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0) {
    error = path + ": not a .npy file (bad magic)";
    return false;
  }
  uint32_t headerLength = 0;
  if (magic[6] == 1) {
    unsigned char bytes[2];
    if (!in.read(reinterpret_cast<char *>(bytes), 2)) {
      error = path + ": truncated header";
      return false;
    }
    headerLength = bytes[0] | (uint32_t(bytes[1]) << 8);
  } else if (magic[6] == 2 || magic[6] == 3) {
    unsigned char bytes[4];
    if (!in.read(reinterpret_cast<char *>(bytes), 4)) {
      error = path + ": truncated header";
      return false;
    }
    headerLength = bytes[0] | (uint32_t(bytes[1]) << 8) |
                   (uint32_t(bytes[2]) << 16) | (uint32_t(bytes[3]) << 24);
  } else {
    error = path + ": unsupported .npy version " + std::to_string(magic[6]);
    return false;
  }
  // The header must fit in the file before anything is allocated for it.
  std::streamoff start = in.tellg();
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  in.seekg(start);
  if (start < 0 || size < start ||
      uint64_t(headerLength) > uint64_t(size - start)) {
    error = path + ": truncated header (it declares " +
            std::to_string(headerLength) + " bytes)";
    return false;
  }
  std::string header(headerLength, '\0');
  if (!in.read(header.data(), headerLength)) {
    error = path + ": truncated header";
    return false;
  }
  std::string descr, fortran, shapeText;
  if (!headerField(header, "descr", descr) ||
      !headerField(header, "fortran_order", fortran) ||
      !headerField(header, "shape", shapeText)) {
    error = path + ": malformed header: " +
            (header.size() > 200 ? header.substr(0, 200) + "..." : header);
    return false;
  }
  if (descr == "'<f4'" || descr == "'float32'") {
    type = NpyType::Float32;
  } else if (descr == "'<f8'" || descr == "'float64'") {
    type = NpyType::Float64;
  } else {
    error = path + ": dtype " + descr +
            " is not supported; expected little-endian float32 ('<f4') or "
            "float64 ('<f8')";
    return false;
  }
  if (fortran != "False") {
    error = path + ": Fortran-ordered arrays are not supported; save a "
                   "C-ordered array (numpy.ascontiguousarray)";
    return false;
  }
  // The shape is a Python tuple of non-negative integers: "()", "(5,)",
  // "(5, 8)". Anything else (signs, letters, missing commas, sizes whose
  // product overflows) is refused, not read as something else.
  shape.clear();
  auto refuse = [&](const std::string &why) {
    error = path + ": malformed shape " + shapeText + " in the header: " + why;
    return false;
  };
  if (shapeText.size() < 2 || shapeText.front() != '(' ||
      shapeText.back() != ')')
    return refuse("expected a tuple");
  std::string inner = shapeText.substr(1, shapeText.size() - 2);
  size_t at = 0;
  auto skipSpaces = [&] {
    while (at < inner.size() && (inner[at] == ' ' || inner[at] == '\t'))
      ++at;
  };
  skipSpaces();
  while (at < inner.size()) {
    if (inner[at] < '0' || inner[at] > '9')
      return refuse("dimensions must be non-negative integers");
    int64_t dim = 0;
    while (at < inner.size() && inner[at] >= '0' && inner[at] <= '9') {
      if (__builtin_mul_overflow(dim, int64_t(10), &dim) ||
          __builtin_add_overflow(dim, int64_t(inner[at] - '0'), &dim))
        return refuse("a dimension does not fit 64 bits");
      ++at;
    }
    shape.push_back(dim);
    skipSpaces();
    if (at == inner.size())
      break;
    if (inner[at] != ',')
      return refuse("dimensions must be separated by commas");
    ++at;
    skipSpaces();
  }
  if (shape.size() == 1 && inner.find(',') == std::string::npos)
    return refuse("a one-dimensional shape is written (N,)");
  std::optional<int64_t> elements = elementCount(shape);
  if (!elements || *elements > (int64_t(1) << 60))
    return refuse("it has too many elements");
  count = *elements;
  // The data must be in the file before anything is allocated for it.
  std::streamoff dataStart = in.tellg();
  in.seekg(0, std::ios::end);
  std::streamoff fileSize = in.tellg();
  in.seekg(dataStart);
  int64_t elementSize = type == NpyType::Float32 ? 4 : 8;
  if (dataStart < 0 || fileSize < dataStart ||
      (fileSize - dataStart) / elementSize < count) {
    error = path + ": truncated data: expected " + std::to_string(count) +
            " elements";
    return false;
  }
  return true;
}

} // namespace

bool readNpy(const std::string &path, NpyArray &array, std::string &error) {
  std::ifstream in;
  int64_t count = 0;
  if (!readHeader(path, in, array.shape, array.type, count, error))
    return false;
  size_t elementSize = array.type == NpyType::Float32 ? 4 : 8;
  std::vector<char> bytes(size_t(count) * elementSize);
  if (!in.read(bytes.data(), std::streamsize(bytes.size()))) {
    error = path + ": truncated data: expected " + std::to_string(count) +
            " elements";
    return false;
  }
  array.values.resize(size_t(count));
  for (int64_t index = 0; index < count; ++index) {
    if (elementSize == 4) {
      float value;
      std::memcpy(&value, bytes.data() + index * 4, 4);
      array.values[index] = value;
    } else {
      std::memcpy(&array.values[index], bytes.data() + index * 8, 8);
    }
  }
  return true;
}

bool readNpyFloat32(const std::string &path, std::vector<int64_t> &shape,
                    std::vector<float> &values, int64_t &rounded,
                    std::string &error) {
  std::ifstream in;
  NpyType type;
  int64_t count = 0;
  rounded = 0;
  if (!readHeader(path, in, shape, type, count, error))
    return false;
  values.resize(size_t(count));
  bool complete = true;
  if (type == NpyType::Float32) {
    complete = bool(in.read(reinterpret_cast<char *>(values.data()),
                            std::streamsize(size_t(count) * 4)));
  } else {
    // float64: converted a block at a time, counting the values that round.
    std::vector<double> block(size_t(1) << 16);
    for (int64_t done = 0; complete && done < count;) {
      int64_t take = std::min<int64_t>(int64_t(block.size()), count - done);
      complete = bool(in.read(reinterpret_cast<char *>(block.data()),
                              std::streamsize(take * 8)));
      for (int64_t index = 0; complete && index < take; ++index) {
        values[done + index] = float(block[index]);
        rounded += double(values[done + index]) != block[index];
      }
      done += take;
    }
  }
  if (!complete) {
    error = path + ": truncated data: expected " + std::to_string(count) +
            " elements";
    return false;
  }
  return true;
}

NpyMapping::~NpyMapping() {
  if (base_)
    munmap(base_, length_);
}

bool NpyMapping::open(const std::string &path, std::string &error) {
  std::ifstream in;
  NpyType type;
  int64_t count = 0;
  if (!readHeader(path, in, shape_, type, count, error))
    return false;
  if (type != NpyType::Float32)
    return true;
  std::streamoff offset = in.tellg();
  in.close();
  int descriptor = ::open(path.c_str(), O_RDONLY);
  struct stat status;
  if (descriptor < 0 || fstat(descriptor, &status) != 0) {
    error = path + ": cannot open: " + std::strerror(errno);
    if (descriptor >= 0)
      close(descriptor);
    return false;
  }
  size_t needed = size_t(offset) + size_t(count) * 4;
  if (size_t(status.st_size) < needed) {
    close(descriptor);
    error = path + ": truncated data: expected " + std::to_string(count) +
            " elements";
    return false;
  }
  length_ = size_t(status.st_size);
  void *base =
      length_ ? mmap(nullptr, length_, PROT_READ, MAP_PRIVATE, descriptor, 0)
              : nullptr;
  close(descriptor);
  if (length_ && base == MAP_FAILED) {
    error = path + ": cannot map: " + std::strerror(errno);
    return false;
  }
  base_ = base;
  // The data of a float32 .npy starts at a multiple of 16 (64 for numpy's
  // own files); a misaligned one is read, not mapped.
  if (offset % alignof(float) != 0) {
    error = path + ": the data is not aligned for float32";
    return false;
  }
  madvise(base_, length_, MADV_SEQUENTIAL);
  floats_ = reinterpret_cast<const float *>(static_cast<const char *>(base_) +
                                            offset);
  return true;
}

bool NpySamples::open(const std::string &path, std::string &error) {
  if (!mapping_.open(path, error))
    return false;
  if (mapping_.isFloat32()) {
    shape_ = mapping_.shape();
    floats_ = mapping_.floats();
    return true;
  }
  if (!readNpyFloat32(path, shape_, converted_, rounded_, error))
    return false;
  floats_ = converted_.data();
  return true;
}

namespace {

/// The .npy preamble and header for `shape` and `type`, padded so that the
/// data starts on a multiple of 64 bytes.
std::string npyHeader(const std::vector<int64_t> &shape, NpyType type) {
  std::ostringstream dict;
  dict << "{'descr': '" << (type == NpyType::Float32 ? "<f4" : "<f8")
       << "', 'fortran_order': False, 'shape': (";
  for (size_t index = 0; index < shape.size(); ++index)
    dict << shape[index]
         << (shape.size() == 1 || index + 1 < shape.size() ? "," : "")
         << (index + 1 < shape.size() ? " " : "");
  dict << "), }";
  std::string header = dict.str();
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  unsigned char preamble[10] = {0x93,
                                'N',
                                'U',
                                'M',
                                'P',
                                'Y',
                                1,
                                0,
                                (unsigned char)(header.size() & 0xff),
                                (unsigned char)(header.size() >> 8)};
  return std::string(reinterpret_cast<const char *>(preamble), 10) + header;
}

/// Passes `count` values as `type` to `sink(bytes)` (returning false to
/// stop), a block at a time; false when the sink stopped.
template <typename Sink>
bool emitValues(const double *values, size_t count, NpyType type, Sink sink) {
  if (type == NpyType::Float64)
    return sink(
        std::string_view(reinterpret_cast<const char *>(values), count * 8));
  constexpr size_t kBlock = 1 << 16;
  std::vector<float> block;
  for (size_t start = 0; start < count; start += kBlock) {
    block.assign(values + start, values + std::min(count, start + kBlock));
    if (!sink(std::string_view(reinterpret_cast<const char *>(block.data()),
                               block.size() * 4)))
      return false;
  }
  return true;
}

} // namespace

std::string encodeNpy(const std::vector<int64_t> &shape,
                      const std::vector<double> &values, NpyType type) {
  std::string bytes = npyHeader(shape, type);
  emitValues(values.data(), values.size(), type, [&](std::string_view data) {
    bytes.append(data);
    return true;
  });
  return bytes;
}

bool NpyWriter::open(const std::string &path, const std::vector<int64_t> &shape,
                     NpyType type, std::string &error) {
  path_ = path;
  type_ = type;
  expected_ = 1;
  for (int64_t dim : shape)
    expected_ *= uint64_t(dim);
  written_ = 0;
  return file_.open(path, error) && file_.write(npyHeader(shape, type), error);
}

bool NpyWriter::append(const double *values, size_t count, std::string &error) {
  if (written_ + count > expected_) {
    error = path_ + ": more values than the array's shape holds";
    return false;
  }
  written_ += count;
  return emitValues(values, count, type_, [&](std::string_view data) {
    return file_.write(data, error);
  });
}

bool NpyWriter::commit(std::string &error) {
  if (written_ != expected_) {
    error = path_ + ": " + std::to_string(written_) + " of " +
            std::to_string(expected_) + " values were written";
    return false;
  }
  return file_.commit(error);
}

bool writeNpy(const std::string &path, const std::vector<int64_t> &shape,
              const std::vector<double> &values, NpyType type,
              std::string &error) {
  NpyWriter writer;
  return writer.open(path, shape, type, error) &&
         writer.append(values.data(), values.size(), error) &&
         writer.commit(error);
}

} // namespace hgq
