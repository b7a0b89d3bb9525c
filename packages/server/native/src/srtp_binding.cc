// SrtpSession for JavaScript, for the tests only (the fan-out calls srtp.h directly): each call
// copies its Buffer, so it says nothing about speed; benchmarkProtectRtp measures inside C++.
#include <time.h>

#include <cstring>
#include <memory>
#include <vector>

#include "binding.h"
#include "srtp.h"

namespace hudong {
namespace {

// Throws a TypeError and returns false unless `value` is a Buffer of `expected` bytes (any length
// when `expected` is 0).
bool BufferArg(napi_env env, napi_value value, size_t expected, const char* what, uint8_t** data, size_t* length) {
  bool isBuffer = false;
  if (napi_is_buffer(env, value, &isBuffer) != napi_ok || !isBuffer ||
      napi_get_buffer_info(env, value, reinterpret_cast<void**>(data), length) != napi_ok ||
      (expected != 0 && *length != expected)) {
    napi_throw_type_error(env, nullptr, what);
    return false;
  }
  return true;
}

// new SrtpSession(profileId, masterKey, masterSalt), or with a fourth argument
// (profileId, sessionKey, sessionSalt, sessionAuthKey): keys already derived, the same for SRTP and
// SRTCP (RFC 7714's vectors give those; the auth key is ignored by GCM).
napi_value Construct(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_value self;
  HUDONG_NAPI(env, napi_get_cb_info(env, info, &argc, argv, &self, nullptr));
  napi_value newTarget = nullptr;
  uint32_t id = 0;
  if (napi_get_new_target(env, info, &newTarget) != napi_ok || newTarget == nullptr || argc < 3 ||
      napi_get_value_uint32(env, argv[0], &id) != napi_ok) {
    napi_throw_type_error(env, nullptr, "SrtpSession(profileId, key, salt[, authKey])");
    return nullptr;
  }
  const auto profile = static_cast<SrtpProfile>(id);
  const size_t saltLength = SrtpMasterSaltLength(profile);
  if (saltLength == 0) {
    napi_throw_range_error(env, nullptr, "unknown SRTP protection profile");
    return nullptr;
  }
  uint8_t* key;
  uint8_t* salt;
  size_t length;
  if (!BufferArg(env, argv[1], SrtpMasterKeyLength(profile), "key: a Buffer of the profile's key length", &key,
                 &length) ||
      !BufferArg(env, argv[2], saltLength, "salt: a Buffer of the profile's salt length", &salt, &length)) {
    return nullptr;
  }
  napi_valuetype authType = napi_undefined;
  if (argc >= 4) HUDONG_NAPI(env, napi_typeof(env, argv[3], &authType));
  auto session = std::make_unique<SrtpSession>();
  bool ok;
  if (authType == napi_undefined) {
    ok = session->init(profile, key, salt);
  } else {
    uint8_t* auth;
    if (!BufferArg(env, argv[3], 0, "authKey: a Buffer", &auth, &length)) return nullptr;
    SrtpSessionKeys keys = {};
    std::memcpy(keys.key, key, sizeof keys.key);
    std::memcpy(keys.salt, salt, saltLength);
    std::memcpy(keys.auth, auth, length < sizeof keys.auth ? length : sizeof keys.auth);
    ok = session->initSessionKeys(profile, keys, keys);
  }
  if (!ok) {
    napi_throw_error(env, nullptr, "SRTP session keys could not be set up (OpenSSL)");
    return nullptr;
  }
  HUDONG_NAPI(env, napi_wrap(
                       env, self, session.get(),
                       [](napi_env, void* data, void*) { delete static_cast<SrtpSession*>(data); }, nullptr,
                       nullptr));
  session.release();
  return self;
}

SrtpSession* Unwrap(napi_env env, napi_value self) {
  void* session = nullptr;
  if (napi_unwrap(env, self, &session) != napi_ok) return nullptr;
  return static_cast<SrtpSession*>(session);
}

// protectRtp & co.: (packet: Buffer) => a new Buffer with the result, or null where C++ says -1.
template <int (SrtpSession::*Transform)(uint8_t*, size_t)>
napi_value Apply(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_value self;
  HUDONG_NAPI(env, napi_get_cb_info(env, info, &argc, argv, &self, nullptr));
  SrtpSession* session = Unwrap(env, self);
  uint8_t* data;
  size_t length;
  if (session == nullptr || argc < 1 || !BufferArg(env, argv[0], 0, "packet: a Buffer", &data, &length)) {
    return nullptr;
  }
  std::vector<uint8_t> work(data, data + length);
  work.resize(length + kSrtpMaxTrailer);
  const int n = (session->*Transform)(work.data(), length);
  napi_value result;
  if (n < 0) {
    HUDONG_NAPI(env, napi_get_null(env, &result));
  } else {
    HUDONG_NAPI(env, napi_create_buffer_copy(env, static_cast<size_t>(n), work.data(), nullptr, &result));
  }
  return result;
}

// benchmarkProtectRtp(length, count): ns per protectRtp of a `length`-byte RTP packet, one SSRC with
// consecutive sequence numbers: this thread's CPU time around the C++ calls alone, so that other
// processes on the machine do not count.
napi_value BenchmarkProtectRtp(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_value self;
  HUDONG_NAPI(env, napi_get_cb_info(env, info, &argc, argv, &self, nullptr));
  SrtpSession* session = Unwrap(env, self);
  uint32_t length = 0;
  uint32_t count = 0;
  if (session == nullptr || argc < 2 || napi_get_value_uint32(env, argv[0], &length) != napi_ok ||
      napi_get_value_uint32(env, argv[1], &count) != napi_ok || length < 12 || count == 0) {
    napi_throw_type_error(env, nullptr, "benchmarkProtectRtp(length >= 12, count > 0)");
    return nullptr;
  }
  std::vector<uint8_t> packet(length + kSrtpMaxTrailer, 0xab);
  const uint8_t header[12] = {0x80, 0x60, 0, 0, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78};
  std::memcpy(packet.data(), header, sizeof header);
  timespec start;
  timespec end;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start);
  for (uint32_t i = 0; i < count; ++i) {
    packet[2] = static_cast<uint8_t>(i >> 8);
    packet[3] = static_cast<uint8_t>(i);
    if (session->protectRtp(packet.data(), length) < 0) {
      napi_throw_error(env, nullptr, "protectRtp failed");
      return nullptr;
    }
  }
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &end);
  const double elapsed = (end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec);
  napi_value result;
  HUDONG_NAPI(env, napi_create_double(env, elapsed / count, &result));
  return result;
}

// srtpDeriveKey(masterKey, masterSalt, label, length): the KDF's output (RFC 3711 B.3's vectors).
napi_value DeriveKey(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  HUDONG_NAPI(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  uint8_t* key;
  uint8_t* salt;
  size_t keyLength;
  size_t saltLength;
  uint32_t label = 0;
  uint32_t length = 0;
  if (argc < 4 || !BufferArg(env, argv[0], 16, "masterKey: a 16-byte Buffer", &key, &keyLength) ||
      !BufferArg(env, argv[1], 0, "masterSalt: a Buffer", &salt, &saltLength)) {
    return nullptr;
  }
  if (napi_get_value_uint32(env, argv[2], &label) != napi_ok || label > 5 ||
      napi_get_value_uint32(env, argv[3], &length) != napi_ok || length == 0) {
    napi_throw_type_error(env, nullptr, "label 0..5, length > 0");
    return nullptr;
  }
  std::vector<uint8_t> out(length);
  if (!SrtpDeriveKey(key, salt, saltLength, static_cast<uint8_t>(label), out.data(), out.size())) {
    napi_throw_range_error(env, nullptr, "masterSalt: 14 or 12 bytes");
    return nullptr;
  }
  napi_value result;
  HUDONG_NAPI(env, napi_create_buffer_copy(env, out.size(), out.data(), nullptr, &result));
  return result;
}

}  // namespace

void InitSrtpBinding(napi_env env, napi_value exports) {
  const napi_property_descriptor methods[] = {
      {"protectRtp", nullptr, Apply<&SrtpSession::protectRtp>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"protectRtcp", nullptr, Apply<&SrtpSession::protectRtcp>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"unprotectRtp", nullptr, Apply<&SrtpSession::unprotectRtp>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"unprotectRtcp", nullptr, Apply<&SrtpSession::unprotectRtcp>, nullptr, nullptr, nullptr, napi_default,
       nullptr},
      {"benchmarkProtectRtp", nullptr, BenchmarkProtectRtp, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_value cls;
  napi_value derive;
  if (napi_define_class(env, "SrtpSession", NAPI_AUTO_LENGTH, Construct, nullptr,
                        sizeof methods / sizeof methods[0], methods, &cls) != napi_ok ||
      napi_set_named_property(env, exports, "SrtpSession", cls) != napi_ok ||
      napi_create_function(env, "srtpDeriveKey", NAPI_AUTO_LENGTH, DeriveKey, nullptr, &derive) != napi_ok ||
      napi_set_named_property(env, exports, "srtpDeriveKey", derive) != napi_ok) {
    napi_throw_error(env, nullptr, "SrtpSession binding could not be registered");
  }
}

}  // namespace hudong
