#include "peer_transport.h"

#include <strings.h>

#include <cstring>

#include "transport_engine.h"

namespace hudong {

PeerTransport::PeerTransport(TransportEngine* engine, std::string ufrag, std::string pwd, Events* events)
    : engine_(engine), ufrag_(std::move(ufrag)), pwd_(std::move(pwd)), events_(events) {
  dtls_ = std::make_unique<DtlsSession>(engine->identity(), [this](const uint8_t* buf, size_t len) {
    if (engine_ && remoteLen_) engine_->socket().sendNow(buf, len, reinterpret_cast<const sockaddr*>(&remote_), remoteLen_);
  });
}

std::shared_ptr<PeerTransport> PeerTransport::Create(TransportEngine* engine, std::string ufrag, std::string pwd,
                                                             Events* events) {
  auto transport = std::make_shared<PeerTransport>(engine, std::move(ufrag), std::move(pwd), events);
  engine->add(transport);
  return transport;
}

PeerTransport::~PeerTransport() { close(); }

void PeerTransport::setRemote(const std::string& fingerprint, DtlsSession::Role role) {
  if (remoteKnown_ || state_ != State::New) return;
  remoteKnown_ = true;
  expectedFingerprint_ = fingerprint;
  role_ = role;
  if (dtls_->started() && role == DtlsSession::Role::Client) {
    // The client sent a ClientHello (so it is the client) and its answer says it is the server.
    fail("the answer's a=setup contradicts the DTLS handshake the client began");
    return;
  }
  if (role == DtlsSession::Role::Client && remoteLen_) dtls_->start(role);
  tryConnect();
}

bool PeerTransport::send(const uint8_t* buf, size_t len) {
  if (state_ != State::Connected || !engine_ || len < 12 || len + kSrtpMaxTrailer > MediaSocket::kMaxDatagram) return false;
  MediaSocket& socket = engine_->socket();
  uint8_t* out = socket.reserve();
  std::memcpy(out, buf, len);
  bool rtcp = buf[1] >= 192 && buf[1] <= 223;
  int n = rtcp ? tx_.protectRtcp(out, len) : tx_.protectRtp(out, len);
  if (n < 0) return false;
  socket.commit(static_cast<size_t>(n), remote_, remoteLen_);
  return true;
}

void PeerTransport::close() {
  if (state_ == State::Closed && !engine_) return;
  if (engine_) {
    dtls_->shutdown();
    engine_->remove(this);
    engine_ = nullptr;
  }
  state_ = State::Closed;
}

void PeerTransport::useAddress(const sockaddr_storage& address, socklen_t len) {
  std::memcpy(&remote_, &address, len);
  remoteLen_ = len;
}

void PeerTransport::onCheck(const sockaddr_storage& from, socklen_t fromLen, bool useCandidate, uint64_t nowMs) {
  lastHeardMs_ = nowMs;
  // ICE-lite follows the controlling client: the nominated pair once there is one, else the pair
  // its DTLS or media came from (followData), else the latest pair that checked (aggressive
  // nomination nominates with the first check).
  if (useCandidate || !chosen_) useAddress(from, fromLen);
  if (useCandidate) chosen_ = true;
  if (remoteKnown_ && role_ == DtlsSession::Role::Client && !dtls_->started()) {
    dtls_->start(role_);
    dtlsChanged(dtls_->state());
  }
}

// The client sends DTLS and media on the pair it selected, which need not be the last one it
// checked: it checks every pair (here 127.0.0.1 and 127.0.0.2) and may nominate later. Answering
// the latest check lost the server's DTLS flight in 1 run of ~16 of bench/first-frame (Chromium
// drops it on the pair it did not select), and OpenSSL resent it only a second later. So replies
// follow the client's own packets, which come only from checked addresses (the engine routes no
// other) and, for SRTP, only once authenticated.
void PeerTransport::followData(const sockaddr_storage& from, socklen_t fromLen) {
  chosen_ = true;
  if (fromLen != remoteLen_ || std::memcmp(&from, &remote_, fromLen) != 0) useAddress(from, fromLen);
}

void PeerTransport::onDtls(const uint8_t* buf, size_t len, const sockaddr_storage& from, socklen_t fromLen,
                               uint64_t nowMs) {
  if (state_ == State::Failed || state_ == State::Closed) return;
  lastHeardMs_ = nowMs;
  followData(from, fromLen);
  dtlsChanged(dtls_->receive(buf, len));
}

void PeerTransport::dtlsChanged(DtlsSession::State state) {
  switch (state) {
    case DtlsSession::State::Connected:
      tryConnect();
      break;
    case DtlsSession::State::Failed:
      fail(dtls_->error());
      break;
    case DtlsSession::State::Closed:
      fail("closed by the client (DTLS close_notify)");
      break;
    default:
      break;
  }
}

void PeerTransport::tryConnect() {
  if (state_ != State::New || !remoteKnown_ || dtls_->state() != DtlsSession::State::Connected) return;
  std::string actual = dtls_->peerFingerprint();
  if (strcasecmp(actual.c_str(), expectedFingerprint_.c_str()) != 0) {
    fail("the client's DTLS certificate does not match the answer's a=fingerprint");
    return;
  }
  SrtpKeying keys;
  if (!dtls_->keying(keys)) {
    fail("DTLS negotiated no SRTP profile the server supports");
    return;
  }
  if (!tx_.init(keys.profile, keys.localKey, keys.localSalt) || !rx_.init(keys.profile, keys.remoteKey, keys.remoteSalt)) {
    fail("SRTP could not be set up");
    return;
  }
  state_ = State::Connected;
  events_->connected();
}

void PeerTransport::onSrtp(uint8_t* buf, size_t len, const sockaddr_storage& from, socklen_t fromLen, uint64_t nowMs) {
  if (state_ != State::Connected || len < 8) return;
  bool rtcp = buf[1] >= 192 && buf[1] <= 223;
  int n = rtcp ? rx_.unprotectRtcp(buf, len) : rx_.unprotectRtp(buf, len);
  if (n < 0) return;  // forged, replayed or not for these keys
  lastHeardMs_ = nowMs;
  followData(from, fromLen);
  if (rtcp)
    events_->rtcp(buf, static_cast<size_t>(n));
  else
    events_->rtp(buf, static_cast<size_t>(n));
}

void PeerTransport::tick(uint64_t nowMs) {
  if (state_ == State::New && dtls_->state() == DtlsSession::State::Handshaking) {
    dtls_->tick();
    if (dtls_->state() == DtlsSession::State::Failed) fail(dtls_->error());
  } else if (state_ == State::Connected && nowMs - lastHeardMs_ > TransportEngine::kConsentTimeoutMs) {
    fail("the client stopped answering (no ICE consent for 30 s)");
  }
}

void PeerTransport::fail(const std::string& why) {
  if (state_ == State::Failed || state_ == State::Closed) return;
  state_ = State::Failed;
  if (engine_) {
    engine_->remove(this);
    engine_ = nullptr;
  }
  events_->failed(why);
}

}  // namespace hudong
