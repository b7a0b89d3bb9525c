// DTLS-SRTP (RFC 5764) on OpenSSL: one certificate for the process, one session per transport.
// Datagrams go out through a BIO of our own (one write = one datagram, as DTLS needs) to `send`.
#pragma once
#include <openssl/ssl.h>

#include <cstdint>
#include <functional>
#include <string>

#include "srtp.h"

namespace hudong {

// The process's DTLS identity: a self-signed ECDSA P-256 certificate and its SHA-256 fingerprint.
class DtlsIdentity {
 public:
  DtlsIdentity();
  ~DtlsIdentity();
  DtlsIdentity(const DtlsIdentity&) = delete;
  DtlsIdentity& operator=(const DtlsIdentity&) = delete;
  bool ok() const { return ctx_ != nullptr; }
  SSL_CTX* context() const { return ctx_; }
  // "AB:CD:…" (upper-case hex pairs), as SDP's a=fingerprint:sha-256 carries it.
  const std::string& fingerprint() const { return fingerprint_; }

 private:
  SSL_CTX* ctx_ = nullptr;
  std::string fingerprint_;
};

// What a finished handshake gives SRTP: the profile, then each side's master key and salt.
struct SrtpKeying {
  SrtpProfile profile;
  uint8_t localKey[16], localSalt[14], remoteKey[16], remoteSalt[14];
};

class DtlsSession {
 public:
  enum class Role { Server, Client };
  enum class State { Idle, Handshaking, Connected, Failed, Closed };
  using Send = std::function<void(const uint8_t*, size_t)>;

  DtlsSession(const DtlsIdentity& identity, Send send);
  ~DtlsSession();
  DtlsSession(const DtlsSession&) = delete;
  DtlsSession& operator=(const DtlsSession&) = delete;

  // Starts the handshake in `role` (a client sends its ClientHello at once).
  void start(Role role);
  bool started() const { return state_ != State::Idle; }
  // A DTLS datagram from the peer. Returns the state afterwards.
  State receive(const uint8_t* buf, size_t len);
  // Retransmits a flight whose timer ran out (call every few tens of ms while handshaking).
  void tick();
  // Sends close_notify once connected; no state callback follows.
  void shutdown();

  State state() const { return state_; }
  const std::string& error() const { return error_; }
  // SHA-256 fingerprint of the peer's certificate ("AB:CD:…"), once connected.
  std::string peerFingerprint() const;
  // The SRTP keys of a connected session; false if the peer negotiated no SRTP profile we know.
  bool keying(SrtpKeying& out) const;

 private:
  static BIO_METHOD* Method();
  void step();
  void fail(const std::string& why);

  SSL* ssl_ = nullptr;
  BIO* in_ = nullptr;  // owned by ssl_
  Send send_;
  Role role_ = Role::Server;
  State state_ = State::Idle;
  std::string error_;
};

}  // namespace hudong
