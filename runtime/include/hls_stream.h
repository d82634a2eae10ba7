//===- hls_stream.h - hls::stream for C simulation --------------*- C++ -*-===//
//
// hgq-mlir's own hls::stream for C simulation without Vitis: an unbounded
// FIFO with the vendor's interface as the emitted io_stream code uses it
// (read, write, empty, size). Reading an empty stream is a design error: it
// says so and aborts, as the vendor's simulation does.
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_RUNTIME_HLS_STREAM_H
#define HGQ_RUNTIME_HLS_STREAM_H

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>

namespace hls {

template <typename T> class stream {
public:
  stream() = default;
  explicit stream(const char *name) : name_(name) {}
  explicit stream(const std::string &name) : name_(name) {}
  stream(const stream &) = delete;
  stream &operator=(const stream &) = delete;

  T read() {
    if (fifo_.empty()) {
      std::fprintf(stderr, "hls::stream '%s': read while empty\n",
                   name_.c_str());
      std::abort();
    }
    T value = fifo_.front();
    fifo_.pop_front();
    return value;
  }
  void read(T &value) { value = read(); }
  void write(const T &value) { fifo_.push_back(value); }
  bool empty() const { return fifo_.empty(); }
  bool full() const { return false; }
  std::size_t size() const { return fifo_.size(); }

private:
  std::string name_;
  std::deque<T> fifo_;
};

} // namespace hls

#endif // HGQ_RUNTIME_HLS_STREAM_H
