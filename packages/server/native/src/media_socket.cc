#include "media_socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace hudong {
namespace {
constexpr int kBufferBytes = 4 << 20;
constexpr int kReadBatch = 32;
}  // namespace

MediaSocket::MediaSocket(uv_loop_t* loop, Receive receive)
    : loop_(loop), receive_(std::move(receive)), slots_(kBatch * kMaxDatagram) {
  for (size_t i = 0; i < kBatch; i++) {
    iov_[i].iov_base = slots_.data() + i * kMaxDatagram;
    messages_[i].msg_hdr.msg_iov = &iov_[i];
    messages_[i].msg_hdr.msg_iovlen = 1;
    messages_[i].msg_hdr.msg_name = &addresses_[i];
  }
}

int MediaSocket::bind(const char* address, int portMin, int portMax) {
  fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return errno;
  int size = kBufferBytes;
  setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  if (address && *address) {
    if (inet_pton(AF_INET, address, &local.sin_addr) != 1) return EINVAL;
  } else {
    local.sin_addr.s_addr = htonl(INADDR_ANY);
  }
  int err = EADDRINUSE;
  for (int p = portMin; p <= portMax; p++) {
    local.sin_port = htons(static_cast<uint16_t>(p));
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) == 0) {
      err = 0;
      break;
    }
    err = errno;
    if (err != EADDRINUSE) break;
  }
  if (err) return err;
  socklen_t len = sizeof local;
  getsockname(fd_, reinterpret_cast<sockaddr*>(&local), &len);
  port_ = ntohs(local.sin_port);

  uv_poll_init(loop_, &poll_, fd_);
  uv_prepare_init(loop_, &prepare_);
  uv_check_init(loop_, &check_);
  openHandles_ = 3;
  for (uv_handle_t* h : {reinterpret_cast<uv_handle_t*>(&poll_), reinterpret_cast<uv_handle_t*>(&prepare_),
                         reinterpret_cast<uv_handle_t*>(&check_)}) {
    h->data = this;
    uv_unref(h);  // the server's listeners keep the process alive, not its media socket
  }
  uv_poll_start(&poll_, UV_READABLE, [](uv_poll_t* h, int status, int) {
    if (status == 0) static_cast<MediaSocket*>(h->data)->readable();
  });
  return 0;
}

void MediaSocket::readable() {
  static uint8_t buffers[kReadBatch][2048];
  static sockaddr_storage from[kReadBatch];
  mmsghdr in[kReadBatch]{};
  iovec iov[kReadBatch];
  for (int i = 0; i < kReadBatch; i++) {
    iov[i] = {buffers[i], sizeof buffers[i]};
    in[i].msg_hdr.msg_iov = &iov[i];
    in[i].msg_hdr.msg_iovlen = 1;
    in[i].msg_hdr.msg_name = &from[i];
    in[i].msg_hdr.msg_namelen = sizeof from[i];
  }
  while (!closed_) {
    int n = recvmmsg(fd_, in, kReadBatch, 0, nullptr);
    if (n <= 0) return;  // EAGAIN: drained
    for (int i = 0; i < n && !closed_; i++) {
      if (in[i].msg_hdr.msg_flags & MSG_TRUNC) continue;
      receive_(buffers[i], in[i].msg_len, from[i], in[i].msg_hdr.msg_namelen);
      in[i].msg_hdr.msg_namelen = sizeof from[i];
    }
    if (n < kReadBatch) return;
  }
}

uint8_t* MediaSocket::reserve() {
  if (queued_ == kBatch) flush();
  return slots_.data() + queued_ * kMaxDatagram;
}

void MediaSocket::commit(size_t len, const sockaddr_storage& to, socklen_t toLen) {
  std::memcpy(&addresses_[queued_], &to, toLen);
  messages_[queued_].msg_hdr.msg_namelen = toLen;
  iov_[queued_].iov_len = len;
  queued_++;
  scheduleFlush();
}

void MediaSocket::scheduleFlush() {
  if (flushScheduled_ || closed_) return;
  flushScheduled_ = true;
  // Prepare runs just before the loop waits for I/O (sends from timers and immediates), check
  // just after I/O callbacks (a publisher's packet fanned out): a datagram waits for the end of
  // the current phase, never for the next event.
  uv_prepare_start(&prepare_, [](uv_prepare_t* h) { static_cast<MediaSocket*>(h->data)->flush(); });
  uv_check_start(&check_, [](uv_check_t* h) { static_cast<MediaSocket*>(h->data)->flush(); });
}

void MediaSocket::flush() {
  if (flushScheduled_) {
    flushScheduled_ = false;
    uv_prepare_stop(&prepare_);
    uv_check_stop(&check_);
  }
  size_t at = 0;
  while (at < queued_) {
    int n = sendmmsg(fd_, messages_ + at, static_cast<unsigned>(queued_ - at), 0);
    calls_++;
    if (n > 0) {
      sent_ += static_cast<uint64_t>(n);
      at += static_cast<size_t>(n);
    } else if (errno == EINTR) {
      continue;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
      dropped_ += queued_ - at;  // the send buffer is full: what the network would drop anyway
      break;
    } else {
      dropped_++;  // this one datagram cannot go (an address the route refuses): skip it
      at++;
    }
  }
  queued_ = 0;
}

void MediaSocket::sendNow(const uint8_t* buf, size_t len, const sockaddr* to, socklen_t toLen) {
  if (fd_ < 0 || closed_) return;
  if (sendto(fd_, buf, len, 0, to, toLen) < 0) dropped_++;
  else sent_++;
}

void MediaSocket::close(std::function<void()> done) {
  if (closed_) return;
  closed_ = true;
  done_ = std::move(done);
  if (fd_ < 0) {
    done_();
    return;
  }
  if (queued_) flush();
  auto closed = [](uv_handle_t* h) {
    auto* self = static_cast<MediaSocket*>(h->data);
    if (--self->openHandles_ == 0) {
      ::close(self->fd_);
      self->fd_ = -1;
      self->done_();
    }
  };
  uv_poll_stop(&poll_);
  uv_close(reinterpret_cast<uv_handle_t*>(&poll_), closed);
  uv_close(reinterpret_cast<uv_handle_t*>(&prepare_), closed);
  uv_close(reinterpret_cast<uv_handle_t*>(&check_), closed);
}

}  // namespace hudong
