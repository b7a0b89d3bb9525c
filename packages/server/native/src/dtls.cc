#include "dtls.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstring>

namespace hudong {
namespace {

// Under any path MTU of the networks WebRTC runs on, with room for IP, UDP and DTLS headers.
constexpr long kMtu = 1200;
constexpr char kSrtpProfiles[] = "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80";
constexpr char kExporterLabel[] = "EXTRACTOR-dtls_srtp";

// A lost flight is resent after 100 ms, then 200, 400… up to 3 s (OpenSSL's own timer starts at a
// full second: one lost datagram held a first frame back by that much). Like libwebrtc's 50 ms
// floor, sized for the round trips WebRTC sees, not for a WAN of the 2000s.
constexpr unsigned int kFirstRetransmitUs = 100'000;
constexpr unsigned int kMaxRetransmitUs = 3'000'000;

unsigned int RetransmitTimeout(SSL*, unsigned int previousUs) {
  return previousUs == 0 ? kFirstRetransmitUs : std::min(previousUs * 2, kMaxRetransmitUs);
}

std::string Hex(const unsigned char* md, unsigned int n) {
  static const char digits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned int i = 0; i < n; i++) {
    if (i) out += ':';
    out += digits[md[i] >> 4];
    out += digits[md[i] & 15];
  }
  return out;
}

std::string OpenSslError() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (!code) return "no OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

// Peers present self-signed certificates: the SDP's fingerprint is what authenticates them,
// compared after the handshake (`peerFingerprint`).
int AcceptAnyCertificate(int, X509_STORE_CTX*) { return 1; }

}  // namespace

DtlsIdentity::DtlsIdentity() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  X509* cert = X509_new();
  SSL_CTX* ctx = nullptr;
  bool ok = key && cert;
  if (ok) {
    X509_set_version(cert, 2);
    unsigned char serial[8];
    RAND_bytes(serial, sizeof serial);
    BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert));
    BN_free(bn);
    // A day back for clocks that disagree; a month ahead (the process makes a new one each start).
    X509_gmtime_adj(X509_getm_notBefore(cert), -86400);
    X509_gmtime_adj(X509_getm_notAfter(cert), 30L * 86400);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("hudong"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    ok = X509_set_pubkey(cert, key) && X509_sign(cert, key, EVP_sha256()) > 0;
  }
  if (ok) {
    ctx = SSL_CTX_new(DTLS_method());
    ok = ctx && SSL_CTX_use_certificate(ctx, cert) && SSL_CTX_use_PrivateKey(ctx, key) &&
         SSL_CTX_check_private_key(ctx) && SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) &&
         SSL_CTX_set_tlsext_use_srtp(ctx, kSrtpProfiles) == 0;
  }
  if (ok) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, AcceptAnyCertificate);
    SSL_CTX_set_read_ahead(ctx, 1);
    SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    X509_digest(cert, EVP_sha256(), md, &n);
    fingerprint_ = Hex(md, n);
    ctx_ = ctx;
  } else if (ctx) {
    SSL_CTX_free(ctx);
  }
  X509_free(cert);
  EVP_PKEY_free(key);
}

DtlsIdentity::~DtlsIdentity() {
  if (ctx_) SSL_CTX_free(ctx_);
}

BIO_METHOD* DtlsSession::Method() {
  static BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_TYPE_SOURCE_SINK | BIO_get_new_index(), "hudong-dtls-out");
    BIO_meth_set_write(m, [](BIO* bio, const char* data, int len) {
      auto* session = static_cast<DtlsSession*>(BIO_get_data(bio));
      if (session && len > 0) session->send_(reinterpret_cast<const uint8_t*>(data), static_cast<size_t>(len));
      return len;
    });
    BIO_meth_set_ctrl(m, [](BIO*, int cmd, long, void*) -> long {
      switch (cmd) {
        case BIO_CTRL_FLUSH:
          return 1;
        case BIO_CTRL_DGRAM_QUERY_MTU:
          return kMtu;
        default:
          return 0;  // nothing pending, no peer address, no socket options
      }
    });
    BIO_meth_set_create(m, [](BIO* bio) {
      BIO_set_init(bio, 1);
      return 1;
    });
    return m;
  }();
  return method;
}

DtlsSession::DtlsSession(const DtlsIdentity& identity, Send send) : send_(std::move(send)) {
  ssl_ = SSL_new(identity.context());
  in_ = BIO_new(BIO_s_mem());
  BIO_set_mem_eof_return(in_, -1);  // an empty input is "no data yet", not the end of the stream
  BIO* out = BIO_new(Method());
  BIO_set_data(out, this);
  SSL_set_bio(ssl_, in_, out);
  SSL_set_mtu(ssl_, kMtu);
  DTLS_set_link_mtu(ssl_, kMtu);
  DTLS_set_timer_cb(ssl_, RetransmitTimeout);
}

DtlsSession::~DtlsSession() {
  BIO_set_data(SSL_get_wbio(ssl_), nullptr);
  SSL_free(ssl_);
}

void DtlsSession::start(Role role) {
  if (state_ != State::Idle) return;
  role_ = role;
  state_ = State::Handshaking;
  if (role == Role::Server)
    SSL_set_accept_state(ssl_);
  else
    SSL_set_connect_state(ssl_);
  step();
}

DtlsSession::State DtlsSession::receive(const uint8_t* buf, size_t len) {
  if (state_ == State::Idle) start(Role::Server);  // a ClientHello before the answer told us our role
  if (state_ != State::Handshaking && state_ != State::Connected) return state_;
  BIO_write(in_, buf, static_cast<int>(len));
  if (state_ == State::Handshaking) {
    step();
  } else {
    // Connected: the peer's retransmitted Finished (our answer to it is in SSL_read), alerts,
    // close_notify. DTLS-SRTP carries no application data.
    unsigned char sink[2048];
    int n = SSL_read(ssl_, sink, sizeof sink);
    if (n <= 0) {
      int err = SSL_get_error(ssl_, n);
      if (err == SSL_ERROR_ZERO_RETURN) state_ = State::Closed;
      else if (err != SSL_ERROR_WANT_READ) fail("DTLS failed after the handshake: " + OpenSslError());
    }
  }
  // Whatever was not consumed (a partial record) is dropped: each datagram stands alone.
  (void)BIO_reset(in_);
  return state_;
}

void DtlsSession::tick() {
  if (state_ == State::Handshaking && DTLSv1_handle_timeout(ssl_) < 0) fail("DTLS retransmission failed: " + OpenSslError());
}

void DtlsSession::shutdown() {
  if (state_ == State::Connected) SSL_shutdown(ssl_);
  state_ = State::Closed;
}

void DtlsSession::step() {
  int r = SSL_do_handshake(ssl_);
  if (r == 1) {
    state_ = State::Connected;
    return;
  }
  int err = SSL_get_error(ssl_, r);
  if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) fail("DTLS handshake failed: " + OpenSslError());
}

void DtlsSession::fail(const std::string& why) {
  state_ = State::Failed;
  error_ = why;
}

std::string DtlsSession::peerFingerprint() const {
  X509* cert = SSL_get1_peer_certificate(ssl_);
  if (!cert) return "";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  X509_digest(cert, EVP_sha256(), md, &n);
  X509_free(cert);
  return Hex(md, n);
}

bool DtlsSession::keying(SrtpKeying& out) const {
  const SRTP_PROTECTION_PROFILE* selected = SSL_get_selected_srtp_profile(ssl_);
  if (!selected) return false;
  auto profile = static_cast<SrtpProfile>(selected->id);
  size_t keyLen = SrtpMasterKeyLength(profile), saltLen = SrtpMasterSaltLength(profile);
  if (keyLen == 0 || keyLen > 16 || saltLen > 14) return false;
  unsigned char material[2 * (16 + 14)];
  size_t total = 2 * (keyLen + saltLen);
  if (SSL_export_keying_material(ssl_, material, total, kExporterLabel, sizeof kExporterLabel - 1, nullptr, 0, 0) != 1)
    return false;
  // RFC 5764 §4.2: client key, server key, client salt, server salt.
  const unsigned char* clientKey = material;
  const unsigned char* serverKey = material + keyLen;
  const unsigned char* clientSalt = material + 2 * keyLen;
  const unsigned char* serverSalt = clientSalt + saltLen;
  bool server = role_ == Role::Server;
  out.profile = profile;
  std::memcpy(out.localKey, server ? serverKey : clientKey, keyLen);
  std::memcpy(out.remoteKey, server ? clientKey : serverKey, keyLen);
  std::memcpy(out.localSalt, server ? serverSalt : clientSalt, saltLen);
  std::memcpy(out.remoteSalt, server ? clientSalt : serverSalt, saltLen);
  return true;
}

}  // namespace hudong
