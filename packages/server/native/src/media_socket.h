// The one UDP socket every media connection of the process shares (as ICE's UDP mux), read on the
// main thread as it becomes readable (no thread hand-off per packet), with the sends of one turn of
// the event loop batched into sendmmsg calls: a packet forwarded to N views is N queued datagrams
// and one system call per 256, not N sendto calls.
#pragma once
#include <sys/socket.h>
#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace hudong {

class MediaSocket {
 public:
  // Largest datagram queued: an RTP packet of the server's cap (maxRtpPacketBytes, 1500) plus SRTP.
  static constexpr size_t kMaxDatagram = 1536;
  using Receive = std::function<void(uint8_t* buf, size_t len, const sockaddr_storage& from, socklen_t fromLen)>;

  MediaSocket(uv_loop_t* loop, Receive receive);
  // errno-style: 0, or why binding failed. `address` may be empty (every IPv4 address).
  int bind(const char* address, int portMin, int portMax);
  int port() const { return port_; }

  // Room for one datagram in the batch (flushes first when the batch is full).
  uint8_t* reserve();
  // Queues the reserved datagram, `len` bytes, to `to`; sent before the loop next waits.
  void commit(size_t len, const sockaddr_storage& to, socklen_t toLen);
  // Sends at once (STUN answers, DTLS flights): rare, and their order against queued media does not matter.
  void sendNow(const uint8_t* buf, size_t len, const sockaddr* to, socklen_t toLen);
  void flush();
  // Closes the handles; `done` runs once libuv has let go of them (then the object may be freed).
  void close(std::function<void()> done);

  uint64_t datagramsSent() const { return sent_; }
  uint64_t datagramsDropped() const { return dropped_; }
  uint64_t sendCalls() const { return calls_; }

 private:
  static constexpr size_t kBatch = 256;
  void readable();
  void scheduleFlush();

  uv_loop_t* loop_;
  Receive receive_;
  int fd_ = -1;
  int port_ = 0;
  uv_poll_t poll_{};
  uv_prepare_t prepare_{};
  uv_check_t check_{};
  bool flushScheduled_ = false;
  bool closed_ = false;
  int openHandles_ = 0;
  std::function<void()> done_;
  std::vector<uint8_t> slots_;
  mmsghdr messages_[kBatch]{};
  iovec iov_[kBatch]{};
  sockaddr_storage addresses_[kBatch]{};
  size_t queued_ = 0;
  uint64_t sent_ = 0, dropped_ = 0, calls_ = 0;
};

}  // namespace hudong
