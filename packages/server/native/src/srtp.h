// SRTP and SRTCP (RFC 3711) with the two DTLS-SRTP profiles browsers offer: AES-CM + HMAC-SHA1-80
// and AEAD AES-128-GCM (RFC 7714), keyed from the DTLS exporter's master keys (RFC 5764).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

namespace hudong {

// DTLS-SRTP protection profiles (IANA ids, RFC 5764 / RFC 7714).
enum class SrtpProfile : uint16_t { AesCm128HmacSha1_80 = 0x0001, AeadAes128Gcm = 0x0007 };
// Bytes of master key and master salt of a profile (16/14 for AES-CM, 16/12 for GCM); 0 for an
// unknown profile.
size_t SrtpMasterKeyLength(SrtpProfile);
size_t SrtpMasterSaltLength(SrtpProfile);
// Most bytes protect adds to an RTP (10 or 16) or RTCP (14 or 20) packet.
constexpr size_t kSrtpMaxTrailer = 20;

// The keys one of SRTP or SRTCP uses, as the KDF derives them: `salt` holds the profile's master
// salt length (14 or 12 bytes), `auth` is unused by GCM.
struct SrtpSessionKeys {
  uint8_t key[16];
  uint8_t salt[14];
  uint8_t auth[20];
};

// RFC 3711 §4.3.1 with key derivation rate 0: `outLength` bytes of the AES-CM PRF for `label`
// (0..5: SRTP key, auth key, salt, then the same for SRTCP). A 12-byte salt (GCM) enters padded
// with zeros on the right to 14 bytes: what libsrtp, and so the browsers, do (the tests hold a
// vector of libsrtp's). false on an OpenSSL failure or a salt of another length.
bool SrtpDeriveKey(const uint8_t* masterKey, const uint8_t* masterSalt, size_t saltLength, uint8_t label,
                   uint8_t* out, size_t outLength);

// One direction of one DTLS-SRTP association: every SSRC sent (or received) on it. Session keys are
// derived once in init(); per packet only an IV is set (no key schedule per packet: that was 2 µs of
// the old path's profile). Not thread-safe; movable, not copyable.
class SrtpSession {
 public:
  SrtpSession();
  ~SrtpSession();
  SrtpSession(SrtpSession&&) noexcept;
  SrtpSession& operator=(SrtpSession&&) noexcept;
  SrtpSession(const SrtpSession&) = delete;
  SrtpSession& operator=(const SrtpSession&) = delete;

  // false on an unknown profile or an OpenSSL failure.
  bool init(SrtpProfile profile, const uint8_t* masterKey, const uint8_t* masterSalt);
  // The same from keys already derived (what RFC 7714's test vectors give).
  bool initSessionKeys(SrtpProfile profile, const SrtpSessionKeys& rtp, const SrtpSessionKeys& rtcp);

  // In place: `buf` holds `len` bytes of RTP/RTCP and has room for `len + kSrtpMaxTrailer`.
  // Returns the protected length, or -1 (malformed packet / not initialised).
  // An RTP packet's index is estimated from the highest sent on its SSRC (RFC 3711 Appendix A), so
  // a resend gets its first index again. It must then be the same bytes as the first time: under
  // one index, another payload gives away the XOR of the two, and with GCM another header (a new
  // transport-wide sequence number, say) gives away the authentication key. Resend on RTX, or
  // byte for byte.
  int protectRtp(uint8_t* buf, size_t len);
  int protectRtcp(uint8_t* buf, size_t len);
  // In place; returns the plaintext length, or -1 (too short, authentication failed, replayed).
  // After -1 the buffer's bytes are unspecified.
  int unprotectRtp(uint8_t* buf, size_t len);
  int unprotectRtcp(uint8_t* buf, size_t len);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace hudong
