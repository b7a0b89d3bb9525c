// One client connection on the shared socket, a member's send or receive connection: ICE-lite
// (answers the client's checks, follows its nomination), DTLS-SRTP and SRTP for every m-section
// (BUNDLE, rtcp-mux). What the client sends comes back decrypted to `Events::rtp` / `Events::rtcp`.
#pragma once
#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dtls.h"
#include "srtp.h"

namespace hudong {

class TransportEngine;

class PeerTransport {
 public:
  enum class State { New, Connected, Failed, Closed };
  // What the transport tells its owner (the JavaScript side). Each may close the transport.
  struct Events {
    virtual ~Events() = default;
    virtual void connected() = 0;
    virtual void failed(const std::string& why) = 0;  // also the peer closing: "closed" in `why`
    virtual void rtcp(const uint8_t* buf, size_t len) = 0;
    virtual void rtp(const uint8_t* buf, size_t len) = 0;
  };

  // Registers itself with `engine` (which shares its ownership until it leaves).
  static std::shared_ptr<PeerTransport> Create(TransportEngine* engine, std::string ufrag, std::string pwd,
                                                   Events* events);
  PeerTransport(TransportEngine* engine, std::string ufrag, std::string pwd, Events* events);
  ~PeerTransport();
  PeerTransport(const PeerTransport&) = delete;
  PeerTransport& operator=(const PeerTransport&) = delete;

  const std::string& ufrag() const { return ufrag_; }
  const std::string& pwd() const { return pwd_; }
  State state() const { return state_; }

  // From the client's answer: the SHA-256 fingerprint it declared, and our DTLS role.
  void setRemote(const std::string& fingerprint, DtlsSession::Role role);
  // Protects and queues one RTP or RTCP packet (told apart by its type, RFC 5761).
  bool send(const uint8_t* buf, size_t len);
  // Detaches from the engine (sends close_notify if connected); no event follows.
  void close();

  // From the engine.
  void onCheck(const sockaddr_storage& from, socklen_t fromLen, bool useCandidate, uint64_t nowMs);
  void onDtls(const uint8_t* buf, size_t len, const sockaddr_storage& from, socklen_t fromLen, uint64_t nowMs);
  void onSrtp(uint8_t* buf, size_t len, const sockaddr_storage& from, socklen_t fromLen, uint64_t nowMs);
  void tick(uint64_t nowMs);

 private:
  void dtlsChanged(DtlsSession::State state);
  void tryConnect();
  void fail(const std::string& why);
  void useAddress(const sockaddr_storage& address, socklen_t len);
  void followData(const sockaddr_storage& from, socklen_t fromLen);

  TransportEngine* engine_;
  std::string ufrag_, pwd_;
  Events* events_;
  std::unique_ptr<DtlsSession> dtls_;
  SrtpSession tx_, rx_;
  State state_ = State::New;
  std::string expectedFingerprint_;
  bool remoteKnown_ = false;
  DtlsSession::Role role_ = DtlsSession::Role::Server;
  sockaddr_storage remote_{};
  socklen_t remoteLen_ = 0;
  // The client showed the pair it uses: it nominated one, or sent DTLS or media on one.
  bool chosen_ = false;
  uint64_t lastHeardMs_ = 0;
};

}  // namespace hudong
