// SRTP/SRTCP from RFC 3711 (AES-CM, HMAC-SHA1-80, the KDF, index estimation, replay) and RFC 7714
// (AES-GCM). OpenSSL does the block work; everything per packet is an IV and in-place updates on
// contexts keyed once, so the hot path runs no key schedule and allocates only for an SSRC's first
// packet (its entry in a map).
#include "srtp.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cstring>
#include <bitset>
#include <vector>

namespace hudong {
namespace {

constexpr size_t kKeyLength = 16;
constexpr size_t kAesCmSaltLength = 14;
constexpr size_t kGcmSaltLength = 12;
constexpr size_t kAuthKeyLength = 20;
constexpr size_t kHmacTagLength = 10;  // HMAC-SHA1 truncated to 80 bits
constexpr size_t kGcmTagLength = 16;
constexpr size_t kSrtcpIndexLength = 4;
constexpr size_t kRtpFixedHeader = 12;
constexpr size_t kRtcpHeader = 8;  // V/P/RC, PT, length, sender SSRC: authenticated, not encrypted
// A UDP datagram's payload can be no longer; it also keeps every length an int.
constexpr size_t kMaxPacket = 65535;
constexpr uint32_t kSrtcpEncryptedBit = 0x80000000u;
constexpr uint32_t kSrtcpIndexMask = 0x7fffffffu;
constexpr int64_t kMaxRtpIndex = (int64_t{1} << 48) - 1;
constexpr uint64_t kReplayWindow = 1024;

uint16_t ReadU16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
uint32_t ReadU32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
}
void WriteU32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}
// XORs the low `bytes` bytes of `v`, big-endian, onto `p`.
void XorBigEndian(uint8_t* p, uint64_t v, size_t bytes) {
  for (size_t i = 0; i < bytes; ++i) p[bytes - 1 - i] ^= static_cast<uint8_t>(v >> (8 * i));
}

bool IsVersion2(const uint8_t* buf) { return buf[0] >> 6 == 2; }

// RFC 3550 §5.1, §5.3.1: the fixed header, the CSRC list, then the extension's 4-byte head and its
// words. 0 when the packet is not version 2 or its header runs past `len`.
size_t RtpHeaderLength(const uint8_t* buf, size_t len) {
  if (len < kRtpFixedHeader || !IsVersion2(buf)) return 0;
  size_t header = kRtpFixedHeader + 4 * size_t{static_cast<uint8_t>(buf[0] & 0x0f)};
  if (buf[0] & 0x10) {
    if (header + 4 > len) return 0;
    header += 4 + 4 * size_t{ReadU16(buf + header + 2)};
  }
  return header <= len ? header : 0;
}

// RFC 3711 Appendix A: the index with sequence number `seq` nearest to `top`, the highest index
// of its SSRC so far. -1 when that index would lie before 0 (or past 2^48).
int64_t EstimateRtpIndex(int64_t top, uint16_t seq) {
  const int64_t roc = top >> 16;
  const int32_t highest = static_cast<int32_t>(top & 0xffff);
  int64_t v = roc;
  if (highest < 32768) {
    if (int32_t{seq} - highest > 32768) v = roc - 1;
  } else if (highest - 32768 > int32_t{seq}) {
    v = roc + 1;
  }
  const int64_t index = v * 65536 + seq;
  return v < 0 || index > kMaxRtpIndex ? -1 : index;
}

// What one SSRC has had so far: the highest index and (RFC 3711 §3.3.2) which of the 1024 indices
// below it arrived (libwebrtc's window: a retransmission on the media SSRC arrives late). The sending side uses only `top`.
struct Stream {
  int64_t top;
  std::bitset<kReplayWindow> seen;  // bit k: index top - k
};

bool IsFresh(const Stream& s, int64_t index) {
  if (index > s.top) return true;
  const uint64_t back = static_cast<uint64_t>(s.top - index);
  return back < kReplayWindow && !s.seen[back];
}

// The streams of one direction: a few per session (a receive connection sends one SSRC per
// m-section), so a flat array searched from the last hit beats a hash table, whose nodes were cold
// cache lines on every packet of a fan-out (4.7 % of a forwarding profile). Capped: SSRCs are the
// peer's choice on the receive side.
class StreamTable {
 public:
  static constexpr size_t kMaxStreams = 256;

  const Stream* find(uint32_t ssrc) {
    if (last_ < ssrcs_.size() && ssrcs_[last_] == ssrc) return &streams_[last_];
    for (size_t i = 0; i < ssrcs_.size(); i++) {
      if (ssrcs_[i] == ssrc) {
        last_ = i;
        return &streams_[i];
      }
    }
    return nullptr;
  }

  // False when the table is full and `ssrc` is new.
  bool record(uint32_t ssrc, int64_t index) {
    const Stream* found = find(ssrc);
    if (!found) {
      if (ssrcs_.size() == kMaxStreams) return false;
      ssrcs_.push_back(ssrc);
      streams_.push_back(Stream{index, {}});
      streams_.back().seen[0] = true;
      last_ = ssrcs_.size() - 1;
      return true;
    }
    Stream& s = streams_[last_];
    if (index > s.top) {
      const uint64_t ahead = static_cast<uint64_t>(index - s.top);
      if (ahead < kReplayWindow) s.seen <<= ahead;
      else s.seen.reset();
      s.seen[0] = true;
      s.top = index;
    } else {
      s.seen[static_cast<size_t>(s.top - index)] = true;
    }
    return true;
  }

 private:
  std::vector<uint32_t> ssrcs_;
  std::vector<Stream> streams_;
  size_t last_ = 0;
};

// The session keys of one of SRTP or SRTCP in OpenSSL contexts keyed once. The IVs of both
// profiles are the salt XOR the SSRC and the 48-bit packet index at the salt's right end:
// RFC 3711 §4.1.1 for AES-CM (then two zero bytes of block counter), RFC 7714 §8.1 / §9.1 for GCM.
class Cipher {
 public:
  Cipher() = default;
  Cipher(const Cipher&) = delete;
  Cipher& operator=(const Cipher&) = delete;
  ~Cipher() {
    EVP_CIPHER_CTX_free(encrypt_);
    EVP_CIPHER_CTX_free(decrypt_);
    OPENSSL_cleanse(salt_, sizeof salt_);
    OPENSSL_cleanse(&inner_, sizeof inner_);
    OPENSSL_cleanse(&outer_, sizeof outer_);
  }

  bool init(SrtpProfile profile, const SrtpSessionKeys& keys) {
    gcm_ = profile == SrtpProfile::AeadAes128Gcm;
    std::memcpy(salt_, keys.salt, gcm_ ? kGcmSaltLength : kAesCmSaltLength);
    encrypt_ = EVP_CIPHER_CTX_new();
    if (encrypt_ == nullptr) return false;
    if (!gcm_) {
      keyHmac(keys.auth);
      return EVP_EncryptInit_ex(encrypt_, EVP_aes_128_ctr(), nullptr, keys.key, nullptr) == 1;
    }
    // A GCM context seals or opens by how it was initialised: one of each.
    decrypt_ = EVP_CIPHER_CTX_new();
    return decrypt_ != nullptr && EVP_EncryptInit_ex(encrypt_, EVP_aes_128_gcm(), nullptr, keys.key, nullptr) == 1 &&
           EVP_DecryptInit_ex(decrypt_, EVP_aes_128_gcm(), nullptr, keys.key, nullptr) == 1;
  }

  bool gcm() const { return gcm_; }

  // AES-CM encrypts and decrypts alike.
  bool ctr(uint32_t ssrc, uint64_t index, uint8_t* data, size_t n) {
    uint8_t iv[16] = {};
    std::memcpy(iv, salt_, kAesCmSaltLength);
    XorBigEndian(iv + 4, ssrc, 4);
    XorBigEndian(iv + 8, index, 6);
    int out = 0;
    return EVP_EncryptInit_ex(encrypt_, nullptr, nullptr, nullptr, iv) == 1 &&
           (n == 0 || EVP_EncryptUpdate(encrypt_, data, &out, data, static_cast<int>(n)) == 1);
  }

  // HMAC-SHA1 of a ‖ b, truncated to kHmacTagLength bytes into `tag`. The keyed inner and outer
  // states are copied rather than re-keyed: a plain struct copy, where OpenSSL 3's HMAC_CTX and
  // EVP_MAC re-initialise or duplicate a provider context for every message.
  void hmac(const uint8_t* a, size_t aLength, const uint8_t* b, size_t bLength, uint8_t* tag) const {
    uint8_t digest[SHA_DIGEST_LENGTH];
    SHA_CTX ctx = inner_;
    SHA1_Update(&ctx, a, aLength);
    if (bLength > 0) SHA1_Update(&ctx, b, bLength);
    SHA1_Final(digest, &ctx);
    ctx = outer_;
    SHA1_Update(&ctx, digest, sizeof digest);
    SHA1_Final(digest, &ctx);
    std::memcpy(tag, digest, kHmacTagLength);
  }

  // AEAD over aad ‖ aad2 (SRTCP's E‖index follows its header) and `data`, encrypted in place.
  bool seal(uint32_t ssrc, uint64_t index, const uint8_t* aad, size_t aadLength, const uint8_t* aad2,
            size_t aad2Length, uint8_t* data, size_t n, uint8_t* tag) {
    uint8_t iv[kGcmSaltLength];
    gcmIv(ssrc, index, iv);
    uint8_t none[16];
    int out = 0;
    return EVP_EncryptInit_ex(encrypt_, nullptr, nullptr, nullptr, iv) == 1 &&
           EVP_EncryptUpdate(encrypt_, nullptr, &out, aad, static_cast<int>(aadLength)) == 1 &&
           (aad2Length == 0 || EVP_EncryptUpdate(encrypt_, nullptr, &out, aad2, static_cast<int>(aad2Length)) == 1) &&
           (n == 0 || EVP_EncryptUpdate(encrypt_, data, &out, data, static_cast<int>(n)) == 1) &&
           EVP_EncryptFinal_ex(encrypt_, none, &out) == 1 &&
           EVP_CIPHER_CTX_ctrl(encrypt_, EVP_CTRL_GCM_GET_TAG, kGcmTagLength, tag) == 1;
  }

  // seal's inverse: false when the tag does not authenticate.
  bool open(uint32_t ssrc, uint64_t index, const uint8_t* aad, size_t aadLength, const uint8_t* aad2,
            size_t aad2Length, uint8_t* data, size_t n, const uint8_t* tag) {
    uint8_t iv[kGcmSaltLength];
    gcmIv(ssrc, index, iv);
    uint8_t expected[kGcmTagLength];
    std::memcpy(expected, tag, kGcmTagLength);
    uint8_t none[16];
    int out = 0;
    return EVP_DecryptInit_ex(decrypt_, nullptr, nullptr, nullptr, iv) == 1 &&
           EVP_DecryptUpdate(decrypt_, nullptr, &out, aad, static_cast<int>(aadLength)) == 1 &&
           (aad2Length == 0 || EVP_DecryptUpdate(decrypt_, nullptr, &out, aad2, static_cast<int>(aad2Length)) == 1) &&
           (n == 0 || EVP_DecryptUpdate(decrypt_, data, &out, data, static_cast<int>(n)) == 1) &&
           EVP_CIPHER_CTX_ctrl(decrypt_, EVP_CTRL_GCM_SET_TAG, kGcmTagLength, expected) == 1 &&
           EVP_DecryptFinal_ex(decrypt_, none, &out) == 1;
  }

 private:
  void gcmIv(uint32_t ssrc, uint64_t index, uint8_t* iv) const {
    std::memcpy(iv, salt_, kGcmSaltLength);
    XorBigEndian(iv + 2, ssrc, 4);
    XorBigEndian(iv + 6, index, 6);
  }

  // RFC 2104 with a key shorter than SHA-1's block: hash the padded key once per side.
  void keyHmac(const uint8_t* key) {
    uint8_t pad[64];
    std::memset(pad, 0x36, sizeof pad);
    for (size_t i = 0; i < kAuthKeyLength; ++i) pad[i] ^= key[i];
    SHA1_Init(&inner_);
    SHA1_Update(&inner_, pad, sizeof pad);
    std::memset(pad, 0x5c, sizeof pad);
    for (size_t i = 0; i < kAuthKeyLength; ++i) pad[i] ^= key[i];
    SHA1_Init(&outer_);
    SHA1_Update(&outer_, pad, sizeof pad);
    OPENSSL_cleanse(pad, sizeof pad);
  }

  bool gcm_ = false;
  EVP_CIPHER_CTX* encrypt_ = nullptr;
  EVP_CIPHER_CTX* decrypt_ = nullptr;
  uint8_t salt_[kAesCmSaltLength] = {};
  SHA_CTX inner_{};
  SHA_CTX outer_{};
};

}  // namespace

size_t SrtpMasterKeyLength(SrtpProfile profile) {
  switch (profile) {
    case SrtpProfile::AesCm128HmacSha1_80:
    case SrtpProfile::AeadAes128Gcm:
      return kKeyLength;
  }
  return 0;
}

size_t SrtpMasterSaltLength(SrtpProfile profile) {
  switch (profile) {
    case SrtpProfile::AesCm128HmacSha1_80:
      return kAesCmSaltLength;
    case SrtpProfile::AeadAes128Gcm:
      return kGcmSaltLength;
  }
  return 0;
}

bool SrtpDeriveKey(const uint8_t* masterKey, const uint8_t* masterSalt, size_t saltLength, uint8_t label,
                   uint8_t* out, size_t outLength) {
  if (saltLength != kAesCmSaltLength && saltLength != kGcmSaltLength) return false;
  // x = (label ‖ index DIV kdr) XOR salt, right-aligned in 112 bits: with rate 0 only the label,
  // in byte 7; then x·2^16 is the AES-CM IV whose keystream is the key.
  uint8_t iv[16] = {};
  std::memcpy(iv, masterSalt, saltLength);
  iv[7] ^= label;
  std::memset(out, 0, outLength);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  int n = 0;
  const bool ok = ctx != nullptr && EVP_EncryptInit_ex(ctx, EVP_aes_128_ctr(), nullptr, masterKey, iv) == 1 &&
                  EVP_EncryptUpdate(ctx, out, &n, out, static_cast<int>(outLength)) == 1;
  EVP_CIPHER_CTX_free(ctx);
  return ok;
}

struct SrtpSession::State {
  Cipher rtp;
  Cipher rtcp;
  StreamTable sentRtp;
  StreamTable receivedRtp;
  StreamTable receivedRtcp;
  uint32_t nextSrtcpIndex = 0;

  int protectRtp(uint8_t* buf, size_t len) {
    const size_t header = RtpHeaderLength(buf, len);
    if (header == 0 || len > kMaxPacket) return -1;
    const uint16_t seq = ReadU16(buf + 2);
    const uint32_t ssrc = ReadU32(buf + 8);
    // A resend (NACK) or a reordered packet gets the index it had: the nearest to the highest sent.
    const Stream* sent = sentRtp.find(ssrc);
    const int64_t index = sent ? EstimateRtpIndex(sent->top, seq) : seq;
    if (index < 0) return -1;
    uint8_t* payload = buf + header;
    const size_t payloadLength = len - header;
    size_t trailer;
    if (rtp.gcm()) {
      if (!rtp.seal(ssrc, index, buf, header, nullptr, 0, payload, payloadLength, buf + len)) return -1;
      trailer = kGcmTagLength;
    } else {
      if (!rtp.ctr(ssrc, index, payload, payloadLength)) return -1;
      uint8_t roc[4];
      WriteU32(roc, static_cast<uint32_t>(index >> 16));
      rtp.hmac(buf, len, roc, sizeof roc, buf + len);
      trailer = kHmacTagLength;
    }
    if (!sentRtp.record(ssrc, index)) return -1;
    return static_cast<int>(len + trailer);
  }

  int unprotectRtp(uint8_t* buf, size_t len) {
    const size_t trailer = rtp.gcm() ? kGcmTagLength : kHmacTagLength;
    if (len <= trailer || len > kMaxPacket + trailer) return -1;
    const size_t body = len - trailer;
    const size_t header = RtpHeaderLength(buf, body);
    if (header == 0) return -1;
    const uint16_t seq = ReadU16(buf + 2);
    const uint32_t ssrc = ReadU32(buf + 8);
    const Stream* received = receivedRtp.find(ssrc);
    const int64_t index = received ? EstimateRtpIndex(received->top, seq) : seq;
    if (index < 0 || (received && !IsFresh(*received, index))) return -1;
    uint8_t* payload = buf + header;
    const size_t payloadLength = body - header;
    if (rtp.gcm()) {
      if (!rtp.open(ssrc, index, buf, header, nullptr, 0, payload, payloadLength, buf + body)) return -1;
    } else {
      uint8_t roc[4];
      WriteU32(roc, static_cast<uint32_t>(index >> 16));
      uint8_t tag[kHmacTagLength];
      rtp.hmac(buf, body, roc, sizeof roc, tag);
      if (CRYPTO_memcmp(tag, buf + body, kHmacTagLength) != 0) return -1;
      if (!rtp.ctr(ssrc, index, payload, payloadLength)) return -1;
    }
    // Only an authenticated packet moves the rollover counter and the window (RFC 3711 §3.3).
    if (!receivedRtp.record(ssrc, index)) return -1;
    return static_cast<int>(body);
  }

  // We always encrypt SRTCP (E set); RFC 3711 §3.4 numbers the packets of the whole session.
  int protectRtcp(uint8_t* buf, size_t len) {
    if (len < kRtcpHeader || len > kMaxPacket || !IsVersion2(buf)) return -1;
    const uint32_t ssrc = ReadU32(buf + 4);
    const uint32_t index = nextSrtcpIndex;
    uint8_t eIndex[kSrtcpIndexLength];
    WriteU32(eIndex, kSrtcpEncryptedBit | index);
    uint8_t* payload = buf + kRtcpHeader;
    const size_t payloadLength = len - kRtcpHeader;
    size_t trailer;
    if (rtcp.gcm()) {
      // RFC 7714 §9: header ‖ ciphertext ‖ tag ‖ E‖index, the AAD being header ‖ E‖index.
      if (!rtcp.seal(ssrc, index, buf, kRtcpHeader, eIndex, sizeof eIndex, payload, payloadLength, buf + len)) {
        return -1;
      }
      std::memcpy(buf + len + kGcmTagLength, eIndex, sizeof eIndex);
      trailer = kGcmTagLength + kSrtcpIndexLength;
    } else {
      // RFC 3711 §3.4: header ‖ ciphertext ‖ E‖index ‖ tag, the tag covering all before it.
      if (!rtcp.ctr(ssrc, index, payload, payloadLength)) return -1;
      std::memcpy(buf + len, eIndex, sizeof eIndex);
      rtcp.hmac(buf, len + kSrtcpIndexLength, nullptr, 0, buf + len + kSrtcpIndexLength);
      trailer = kSrtcpIndexLength + kHmacTagLength;
    }
    nextSrtcpIndex = (index + 1) & kSrtcpIndexMask;
    return static_cast<int>(len + trailer);
  }

  int unprotectRtcp(uint8_t* buf, size_t len) {
    const bool gcm = rtcp.gcm();
    const size_t trailer = kSrtcpIndexLength + (gcm ? kGcmTagLength : kHmacTagLength);
    if (len < kRtcpHeader + trailer || len > kMaxPacket + trailer || !IsVersion2(buf)) return -1;
    const size_t body = len - trailer;
    const uint8_t* eIndex = gcm ? buf + len - kSrtcpIndexLength : buf + body;
    const uint8_t* tag = gcm ? buf + body : buf + len - kHmacTagLength;
    const uint32_t word = ReadU32(eIndex);
    const bool encrypted = (word & kSrtcpEncryptedBit) != 0;
    const uint32_t index = word & kSrtcpIndexMask;
    const uint32_t ssrc = ReadU32(buf + 4);
    const Stream* received = receivedRtcp.find(ssrc);
    if (received && !IsFresh(*received, index)) return -1;
    uint8_t* payload = buf + kRtcpHeader;
    const size_t payloadLength = body - kRtcpHeader;
    if (gcm) {
      // Unencrypted (E clear, RFC 7714 §9.2): the whole packet is AAD and nothing is ciphertext.
      const bool ok = encrypted ? rtcp.open(ssrc, index, buf, kRtcpHeader, eIndex, kSrtcpIndexLength, payload,
                                            payloadLength, tag)
                                : rtcp.open(ssrc, index, buf, body, eIndex, kSrtcpIndexLength, nullptr, 0, tag);
      if (!ok) return -1;
    } else {
      uint8_t expected[kHmacTagLength];
      rtcp.hmac(buf, len - kHmacTagLength, nullptr, 0, expected);
      if (CRYPTO_memcmp(expected, tag, kHmacTagLength) != 0) return -1;
      if (encrypted && !rtcp.ctr(ssrc, index, payload, payloadLength)) return -1;
    }
    if (!receivedRtcp.record(ssrc, index)) return -1;
    return static_cast<int>(body);
  }
};

SrtpSession::SrtpSession() = default;
SrtpSession::~SrtpSession() = default;
SrtpSession::SrtpSession(SrtpSession&&) noexcept = default;
SrtpSession& SrtpSession::operator=(SrtpSession&&) noexcept = default;

bool SrtpSession::init(SrtpProfile profile, const uint8_t* masterKey, const uint8_t* masterSalt) {
  const size_t saltLength = SrtpMasterSaltLength(profile);
  if (saltLength == 0) {
    state_.reset();
    return false;
  }
  // RFC 3711 §4.3.2: labels 0, 1, 2 give SRTP's cipher key, auth key and salt; 3, 4, 5 SRTCP's.
  SrtpSessionKeys keys[2] = {};
  bool ok = true;
  for (uint8_t i = 0; i < 2; ++i) {
    const uint8_t label = static_cast<uint8_t>(3 * i);
    SrtpSessionKeys& k = keys[i];
    ok = ok && SrtpDeriveKey(masterKey, masterSalt, saltLength, label, k.key, kKeyLength) &&
         SrtpDeriveKey(masterKey, masterSalt, saltLength, label + 1, k.auth, kAuthKeyLength) &&
         SrtpDeriveKey(masterKey, masterSalt, saltLength, label + 2, k.salt, saltLength);
  }
  ok = ok && initSessionKeys(profile, keys[0], keys[1]);
  OPENSSL_cleanse(keys, sizeof keys);
  if (!ok) state_.reset();
  return ok;
}

bool SrtpSession::initSessionKeys(SrtpProfile profile, const SrtpSessionKeys& rtp, const SrtpSessionKeys& rtcp) {
  state_.reset();
  if (SrtpMasterKeyLength(profile) == 0) return false;
  auto state = std::make_unique<State>();
  if (!state->rtp.init(profile, rtp) || !state->rtcp.init(profile, rtcp)) return false;
  state_ = std::move(state);
  return true;
}

int SrtpSession::protectRtp(uint8_t* buf, size_t len) { return state_ ? state_->protectRtp(buf, len) : -1; }
int SrtpSession::protectRtcp(uint8_t* buf, size_t len) { return state_ ? state_->protectRtcp(buf, len) : -1; }
int SrtpSession::unprotectRtp(uint8_t* buf, size_t len) { return state_ ? state_->unprotectRtp(buf, len) : -1; }
int SrtpSession::unprotectRtcp(uint8_t* buf, size_t len) { return state_ ? state_->unprotectRtcp(buf, len) : -1; }

}  // namespace hudong
