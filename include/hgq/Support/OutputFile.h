//===- OutputFile.h - Outputs written whole or not at all -------*- C++ -*-===//
//
// Every file a tool writes goes through here. A regular file (or a new one)
// is written to a unique temporary beside it and renamed over it only when
// commit() is called, so a failed or killed run leaves the previous file as
// it was; through a symbolic link, the file it points to is replaced and the
// link kept. A target that is not a regular file (a FIFO, /dev/null, a
// terminal) is written in place and never replaced; a directory is refused.
// "-" is standard output.
//
// Passes that write a file beside their IR (the BOPs JSON) stage it with
// stageOutput(); the tool commits the staged files only once the whole
// pipeline has succeeded.
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_SUPPORT_OUTPUTFILE_H
#define HGQ_SUPPORT_OUTPUTFILE_H

#include <string>
#include <string_view>

namespace hgq {

class OutputFile {
public:
  OutputFile() = default;
  OutputFile(const OutputFile &) = delete;
  OutputFile &operator=(const OutputFile &) = delete;
  /// Discards the temporary unless commit() succeeded.
  ~OutputFile();

  /// False with `error` naming `path` when it cannot be written.
  bool open(const std::string &path, std::string &error);
  /// Where to write (the temporary, the target itself, or 1 for "-").
  int fd() const { return fd_; }
  /// The temporary that commit() renames, or empty when writing in place.
  const std::string &temporary() const { return temporary_; }
  /// Writes all of `bytes`; false with `error` set on failure.
  bool write(std::string_view bytes, std::string &error);
  /// Closes and renames the temporary over the target.
  bool commit(std::string &error);

  /// open() + write() + commit().
  static bool writeWhole(const std::string &path, std::string_view bytes,
                         std::string &error);

private:
  std::string path_;      ///< as given, for messages
  std::string target_;    ///< what the rename replaces (links resolved)
  std::string temporary_; ///< empty when writing in place
  int fd_ = -1;
  bool committed_ = false;
};

/// Keeps `bytes` for `path` until commitStagedOutputs(); a later stage of
/// the same path replaces it.
void stageOutput(const std::string &path, std::string bytes);
/// Writes every staged output (each whole or not at all) and forgets them.
bool commitStagedOutputs(std::string &error);

} // namespace hgq

#endif // HGQ_SUPPORT_OUTPUTFILE_H
