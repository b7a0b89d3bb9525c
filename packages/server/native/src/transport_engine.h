// The process's media connections: one socket, one DTLS identity, and the demultiplexing of what
// arrives (RFC 7983: STUN by the username's ufrag, DTLS and SRTP by the address a check came from).
#pragma once
#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "media_socket.h"
#include "dtls.h"

namespace hudong {

class PeerTransport;

class TransportEngine {
 public:
  // RFC 7675: a connection the client stops confirming is gone.
  static constexpr uint64_t kConsentTimeoutMs = 30000;

  explicit TransportEngine(uv_loop_t* loop);
  ~TransportEngine();
  // 0 or an errno; a failed certificate is EPROTO.
  int open(const char* address, int portMin, int portMax);
  int port() const { return socket_.port(); }
  const std::string& fingerprint() const { return identity_.fingerprint(); }
  const DtlsIdentity& identity() const { return identity_; }
  MediaSocket& socket() { return socket_; }
  bool closed() const { return closed_; }

  // The engine shares ownership of its transports with their JavaScript handles: one that leaves
  // (closed, failed) is freed at the next tick, never inside its own call stack.
  void add(std::shared_ptr<PeerTransport> transport);
  void remove(PeerTransport* transport);
  // The client `transport` checked from `address`: DTLS and SRTCP from there are its.
  void route(const sockaddr_storage& address, socklen_t len, PeerTransport* transport);
  // Closes every transport (no events) and the socket; `done` runs when the handles are released.
  void close(std::function<void()> done);

  uint64_t stunDropped() const { return stunDropped_; }
  uint64_t unknownDropped() const { return unknownDropped_; }

 private:
  void receive(uint8_t* buf, size_t len, const sockaddr_storage& from, socklen_t fromLen);
  void tick();
  static std::string Key(const sockaddr_storage& address, socklen_t len);

  uv_loop_t* loop_;
  DtlsIdentity identity_;
  MediaSocket socket_;
  uv_timer_t timer_{};
  bool timerOpen_ = false;
  bool closed_ = false;
  std::unordered_map<std::string, PeerTransport*> byUfrag_;
  std::unordered_map<std::string, PeerTransport*> byAddress_;
  std::unordered_map<PeerTransport*, std::shared_ptr<PeerTransport>> transports_;
  std::vector<std::shared_ptr<PeerTransport>> retired_;
  std::function<void()> done_;
  uint64_t stunDropped_ = 0, unknownDropped_ = 0;
};

}  // namespace hudong
