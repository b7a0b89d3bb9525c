#include "stun.h"

#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <zlib.h>

#include <cstring>

namespace hudong {
namespace {

constexpr uint32_t kMagicCookie = 0x2112A442;
constexpr uint16_t kBindingRequest = 0x0001;
constexpr uint16_t kBindingSuccess = 0x0101;
constexpr uint16_t kUsername = 0x0006;
constexpr uint16_t kMessageIntegrity = 0x0008;
constexpr uint16_t kXorMappedAddress = 0x0020;
constexpr uint16_t kUseCandidate = 0x0025;
constexpr uint16_t kFingerprint = 0x8028;
constexpr uint32_t kFingerprintXor = 0x5354554e;
constexpr size_t kHeader = 20;

uint16_t Read16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
uint32_t Read32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
         static_cast<uint32_t>(p[2]) << 8 | p[3];
}
void Write16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
void Write32(uint8_t* p, uint32_t v) {
  Write16(p, static_cast<uint16_t>(v >> 16));
  Write16(p + 2, static_cast<uint16_t>(v));
}

// Walks the attributes; `visit(type, value, length, offset of the attribute)` returns false to stop.
template <typename Visit>
bool Walk(const uint8_t* buf, size_t len, Visit visit) {
  size_t at = kHeader;
  while (at + 4 <= len) {
    uint16_t type = Read16(buf + at), length = Read16(buf + at + 2);
    if (at + 4 + length > len) return false;
    if (!visit(type, buf + at + 4, length, at)) return true;
    at += 4 + ((length + 3u) & ~3u);
  }
  return at == len;
}

// HMAC-SHA1 over buf[0, end) with the header's length set as if the message ended after
// MESSAGE-INTEGRITY (RFC 5389 §15.4).
void Integrity(const uint8_t* buf, size_t end, std::string_view pwd, uint8_t* mac) {
  uint8_t header[kHeader];
  std::memcpy(header, buf, kHeader);
  Write16(header + 2, static_cast<uint16_t>(end + 24 - kHeader));
  HMAC_CTX* ctx = HMAC_CTX_new();
  unsigned int n = 0;
  HMAC_Init_ex(ctx, pwd.data(), static_cast<int>(pwd.size()), EVP_sha1(), nullptr);
  HMAC_Update(ctx, header, kHeader);
  HMAC_Update(ctx, buf + kHeader, end - kHeader);
  HMAC_Final(ctx, mac, &n);
  HMAC_CTX_free(ctx);
}

uint32_t Fingerprint(const uint8_t* buf, size_t end) {
  return static_cast<uint32_t>(crc32(0, buf, static_cast<uInt>(end))) ^ kFingerprintXor;
}

}  // namespace

bool ParseStunBindingRequest(const uint8_t* buf, size_t len, StunRequest& out) {
  if (len < kHeader || (buf[0] & 0xC0) != 0 || Read16(buf) != kBindingRequest) return false;
  if (Read32(buf + 4) != kMagicCookie || Read16(buf + 2) + kHeader != len || (len & 3) != 0) return false;
  out = StunRequest{};
  out.transactionId = buf + 8;
  bool fingerprintOk = true;
  bool wellFormed = Walk(buf, len, [&](uint16_t type, const uint8_t* value, uint16_t length, size_t at) {
    if (type == kUsername) out.username = std::string_view(reinterpret_cast<const char*>(value), length);
    if (type == kUseCandidate) out.useCandidate = true;
    if (type == kFingerprint) {
      fingerprintOk = length == 4 && at + 8 == len && Read32(value) == Fingerprint(buf, at);
    }
    return true;
  });
  return wellFormed && fingerprintOk && !out.username.empty();
}

bool CheckStunIntegrity(const uint8_t* buf, size_t len, std::string_view pwd) {
  bool ok = false;
  Walk(buf, len, [&](uint16_t type, const uint8_t* value, uint16_t length, size_t at) {
    if (type != kMessageIntegrity) return true;
    if (length != 20) return false;
    uint8_t mac[EVP_MAX_MD_SIZE];
    Integrity(buf, at, pwd, mac);
    ok = CRYPTO_memcmp(mac, value, 20) == 0;
    return false;
  });
  return ok;
}

size_t WriteStunBindingSuccess(const StunRequest& request, const sockaddr* from, std::string_view pwd,
                               uint8_t* out, size_t cap) {
  if (cap < 80) return 0;
  Write16(out, kBindingSuccess);
  Write32(out + 4, kMagicCookie);
  std::memcpy(out + 8, request.transactionId, 12);
  size_t at = kHeader;
  Write16(out + at, kXorMappedAddress);
  if (from->sa_family == AF_INET) {
    auto* in = reinterpret_cast<const sockaddr_in*>(from);
    Write16(out + at + 2, 8);
    out[at + 4] = 0;
    out[at + 5] = 0x01;
    Write16(out + at + 6, static_cast<uint16_t>(ntohs(in->sin_port) ^ (kMagicCookie >> 16)));
    Write32(out + at + 8, ntohl(in->sin_addr.s_addr) ^ kMagicCookie);
    at += 12;
  } else if (from->sa_family == AF_INET6) {
    auto* in6 = reinterpret_cast<const sockaddr_in6*>(from);
    Write16(out + at + 2, 20);
    out[at + 4] = 0;
    out[at + 5] = 0x02;
    Write16(out + at + 6, static_cast<uint16_t>(ntohs(in6->sin6_port) ^ (kMagicCookie >> 16)));
    const uint8_t* addr = in6->sin6_addr.s6_addr;
    for (int i = 0; i < 16; i++) out[at + 8 + i] = addr[i] ^ out[4 + i];  // cookie, then the transaction id
    at += 24;
  } else {
    return 0;
  }
  Write16(out + at, kMessageIntegrity);
  Write16(out + at + 2, 20);
  uint8_t mac[EVP_MAX_MD_SIZE];
  Integrity(out, at, pwd, mac);
  std::memcpy(out + at + 4, mac, 20);
  at += 24;
  Write16(out + 2, static_cast<uint16_t>(at + 8 - kHeader));
  Write16(out + at, kFingerprint);
  Write16(out + at + 2, 4);
  Write32(out + at + 4, Fingerprint(out, at));
  at += 8;
  return at;
}

}  // namespace hudong
