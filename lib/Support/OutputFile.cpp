//===- OutputFile.cpp - Outputs written whole or not at all ---------------===//

#include "hgq/Support/OutputFile.h"

#include <cerrno>
#include <climits>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <mutex>
#include <sys/stat.h>
#include <unistd.h>

namespace hgq {

namespace {

std::string reason() { return std::strerror(errno); }

/// The permissions a new file gets from open(..., 0666): minus the umask.
mode_t defaultMode() {
  static const mode_t mode = [] {
    mode_t mask = umask(0);
    umask(mask);
    return mode_t(0666 & ~mask);
  }();
  return mode;
}

} // namespace

OutputFile::~OutputFile() {
  if (fd_ > STDERR_FILENO)
    close(fd_);
  if (!committed_ && !temporary_.empty())
    unlink(temporary_.c_str());
}

bool OutputFile::open(const std::string &path, std::string &error) {
  path_ = path;
  if (path == "-") {
    fd_ = STDOUT_FILENO;
    return true;
  }
  target_ = path;
  // Replace the file a link points to (which may not exist yet), not the
  // link: follow the chain of links, each relative to its own folder.
  struct stat status;
  for (int hops = 0;
       lstat(target_.c_str(), &status) == 0 && S_ISLNK(status.st_mode);
       ++hops) {
    char link[PATH_MAX];
    ssize_t length = readlink(target_.c_str(), link, sizeof(link) - 1);
    if (hops == 40 || length < 0) {
      error = path + ": cannot write: " +
              (length < 0 ? reason() : std::string("too many links"));
      return false;
    }
    std::string next(link, size_t(length));
    size_t slash = target_.rfind('/');
    if (next[0] != '/' && slash != std::string::npos)
      next = target_.substr(0, slash + 1) + next;
    target_ = next;
  }
  mode_t mode = defaultMode();
  if (stat(target_.c_str(), &status) == 0) {
    if (S_ISDIR(status.st_mode)) {
      error = path + ": cannot write: it is a directory";
      return false;
    }
    if (!S_ISREG(status.st_mode)) {
      // A FIFO, a device, a terminal: written in place, never replaced.
      fd_ = ::open(target_.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd_ < 0) {
        error = path + ": cannot write: " + reason();
        return false;
      }
      return true;
    }
    mode = status.st_mode & 07777;
  }
  size_t slash = target_.rfind('/');
  std::string folder =
      slash == std::string::npos ? "" : target_.substr(0, slash + 1);
  std::string name =
      slash == std::string::npos ? target_ : target_.substr(slash + 1);
  std::string pattern = folder + "." + name + ".partial.XXXXXX";
  fd_ = mkostemp(pattern.data(), O_CLOEXEC);
  if (fd_ < 0) {
    error = path + ": cannot write: " + reason();
    return false;
  }
  temporary_ = pattern;
  fchmod(fd_, mode);
  return true;
}

bool OutputFile::write(std::string_view bytes, std::string &error) {
  while (!bytes.empty()) {
    ssize_t written = ::write(fd_, bytes.data(), bytes.size());
    if (written < 0 && errno == EINTR)
      continue;
    if (written <= 0) {
      error = path_ + ": write failed: " + reason();
      return false;
    }
    bytes.remove_prefix(size_t(written));
  }
  return true;
}

bool OutputFile::commit(std::string &error) {
  if (fd_ > STDERR_FILENO) {
    int closed = close(fd_);
    fd_ = -1;
    if (closed != 0) {
      error = path_ + ": write failed: " + reason();
      return false;
    }
  }
  if (!temporary_.empty() &&
      std::rename(temporary_.c_str(), target_.c_str()) != 0) {
    error = path_ + ": write failed: " + reason();
    return false;
  }
  committed_ = true;
  return true;
}

bool OutputFile::writeWhole(const std::string &path, std::string_view bytes,
                            std::string &error) {
  OutputFile file;
  return file.open(path, error) && file.write(bytes, error) &&
         file.commit(error);
}

namespace {
std::mutex stagedMutex;
std::map<std::string, std::string> &staged() {
  static std::map<std::string, std::string> outputs;
  return outputs;
}
} // namespace

void stageOutput(const std::string &path, std::string bytes) {
  std::lock_guard<std::mutex> lock(stagedMutex);
  staged()[path] = std::move(bytes);
}

bool commitStagedOutputs(std::string &error) {
  std::map<std::string, std::string> outputs;
  {
    std::lock_guard<std::mutex> lock(stagedMutex);
    outputs.swap(staged());
  }
  for (const auto &[path, bytes] : outputs)
    if (!OutputFile::writeWhole(path, bytes, error))
      return false;
  return true;
}

} // namespace hgq
