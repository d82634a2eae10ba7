//===- Npy.cpp - Reading and writing NumPy .npy arrays --------------------===//

#include "hgq/Support/Npy.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
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

bool readNpy(const std::string &path, NpyArray &array, std::string &error) {
  std::ifstream in(path, std::ios::binary);
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
  std::string header(headerLength, '\0');
  if (!in.read(header.data(), headerLength)) {
    error = path + ": truncated header";
    return false;
  }
  std::string descr, fortran, shapeText;
  if (!headerField(header, "descr", descr) ||
      !headerField(header, "fortran_order", fortran) ||
      !headerField(header, "shape", shapeText)) {
    error = path + ": malformed header: " + header;
    return false;
  }
  size_t elementSize;
  if (descr == "'<f4'" || descr == "'float32'") {
    array.type = NpyType::Float32;
    elementSize = 4;
  } else if (descr == "'<f8'" || descr == "'float64'") {
    array.type = NpyType::Float64;
    elementSize = 8;
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
  array.shape.clear();
  std::string digits;
  for (char c : shapeText) {
    if (c >= '0' && c <= '9') {
      digits += c;
    } else if (!digits.empty()) {
      array.shape.push_back(std::stoll(digits));
      digits.clear();
    }
  }
  if (!digits.empty())
    array.shape.push_back(std::stoll(digits));
  int64_t count = 1;
  for (int64_t dim : array.shape)
    count *= dim;
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

std::string encodeNpy(const std::vector<int64_t> &shape,
                      const std::vector<double> &values, NpyType type) {
  std::ostringstream dict;
  dict << "{'descr': '" << (type == NpyType::Float32 ? "<f4" : "<f8")
       << "', 'fortran_order': False, 'shape': (";
  for (size_t index = 0; index < shape.size(); ++index)
    dict << shape[index]
         << (shape.size() == 1 || index + 1 < shape.size() ? "," : "")
         << (index + 1 < shape.size() ? " " : "");
  dict << "), }";
  std::string header = dict.str();
  // Pad with spaces so that the data starts on a multiple of 64 bytes.
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
  std::string bytes(reinterpret_cast<const char *>(preamble), 10);
  bytes += header;
  if (type == NpyType::Float32) {
    std::vector<float> narrow(values.begin(), values.end());
    bytes.append(reinterpret_cast<const char *>(narrow.data()),
                 narrow.size() * 4);
  } else {
    bytes.append(reinterpret_cast<const char *>(values.data()),
                 values.size() * 8);
  }
  return bytes;
}

bool writeNpy(const std::string &path, const std::vector<int64_t> &shape,
              const std::vector<double> &values, NpyType type,
              std::string &error) {
  std::string bytes = encodeNpy(shape, values, type);
  std::string temporary = path + ".partial." + std::to_string(getpid());
  std::FILE *file = std::fopen(temporary.c_str(), "wb");
  if (!file) {
    error = path + ": cannot write: " + std::strerror(errno);
    return false;
  }
  bool ok = std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size();
  ok = (std::fclose(file) == 0) && ok;
  if (!ok || std::rename(temporary.c_str(), path.c_str()) != 0) {
    error = path + ": write failed: " + std::strerror(errno);
    std::remove(temporary.c_str());
    return false;
  }
  return true;
}

} // namespace hgq
