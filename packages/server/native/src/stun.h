// ICE-lite's half of STUN (RFC 8445 §2.5, RFC 5389): the server answers the client's connectivity
// checks and never sends its own. Only Binding requests are handled; anything else is dropped.
#pragma once
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace hudong {

struct StunRequest {
  // USERNAME, "<server ufrag>:<client ufrag>" (RFC 8445 §7.2.2).
  std::string_view username;
  const uint8_t* transactionId = nullptr;  // 12 bytes inside the request
  bool useCandidate = false;
};

// Parses a Binding request (header, attributes, FINGERPRINT if present). False for anything else.
bool ParseStunBindingRequest(const uint8_t* buf, size_t len, StunRequest& out);

// MESSAGE-INTEGRITY of the request checks out with the short-term password `pwd` (ours).
bool CheckStunIntegrity(const uint8_t* buf, size_t len, std::string_view pwd);

// Writes the success response (XOR-MAPPED-ADDRESS of `from`, MESSAGE-INTEGRITY with `pwd`,
// FINGERPRINT) into `out` (at least 80 bytes); returns its length, 0 if the family is unknown.
size_t WriteStunBindingSuccess(const StunRequest& request, const sockaddr* from, std::string_view pwd,
                               uint8_t* out, size_t cap);

}  // namespace hudong
