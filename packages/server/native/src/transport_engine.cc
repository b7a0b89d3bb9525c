#include "transport_engine.h"

#include <cerrno>
#include <cstring>

#include "peer_transport.h"
#include "stun.h"

namespace hudong {
namespace {
constexpr uint64_t kTickMs = 50;
}

TransportEngine::TransportEngine(uv_loop_t* loop)
    : loop_(loop),
      socket_(loop, [this](uint8_t* buf, size_t len, const sockaddr_storage& from, socklen_t fromLen) {
        receive(buf, len, from, fromLen);
      }) {}

TransportEngine::~TransportEngine() = default;

int TransportEngine::open(const char* address, int portMin, int portMax) {
  if (!identity_.ok()) return EPROTO;
  int err = socket_.bind(address, portMin, portMax);
  if (err) return err;
  uv_timer_init(loop_, &timer_);
  timer_.data = this;
  uv_unref(reinterpret_cast<uv_handle_t*>(&timer_));
  uv_timer_start(&timer_, [](uv_timer_t* t) { static_cast<TransportEngine*>(t->data)->tick(); }, kTickMs, kTickMs);
  timerOpen_ = true;
  return 0;
}

std::string TransportEngine::Key(const sockaddr_storage& address, socklen_t len) {
  return std::string(reinterpret_cast<const char*>(&address), len);
}

void TransportEngine::add(std::shared_ptr<PeerTransport> transport) {
  byUfrag_[transport->ufrag()] = transport.get();
  transports_[transport.get()] = std::move(transport);
}

void TransportEngine::remove(PeerTransport* transport) {
  auto owned = transports_.find(transport);
  if (owned == transports_.end()) return;
  retired_.push_back(std::move(owned->second));
  transports_.erase(owned);
  auto it = byUfrag_.find(transport->ufrag());
  if (it != byUfrag_.end() && it->second == transport) byUfrag_.erase(it);
  for (auto a = byAddress_.begin(); a != byAddress_.end();) a = a->second == transport ? byAddress_.erase(a) : std::next(a);
}

void TransportEngine::route(const sockaddr_storage& address, socklen_t len, PeerTransport* transport) {
  byAddress_[Key(address, len)] = transport;
}

void TransportEngine::receive(uint8_t* buf, size_t len, const sockaddr_storage& from, socklen_t fromLen) {
  if (len == 0) return;
  uint64_t now = uv_now(loop_);
  uint8_t first = buf[0];
  if (first < 4) {
    StunRequest request;
    if (!ParseStunBindingRequest(buf, len, request)) {
      stunDropped_++;
      return;
    }
    auto colon = request.username.find(':');
    auto it = byUfrag_.find(std::string(request.username.substr(0, colon)));
    if (colon == std::string_view::npos || it == byUfrag_.end() || !CheckStunIntegrity(buf, len, it->second->pwd())) {
      stunDropped_++;
      return;
    }
    PeerTransport* transport = it->second;
    uint8_t answer[128];
    size_t n = WriteStunBindingSuccess(request, reinterpret_cast<const sockaddr*>(&from), transport->pwd(), answer, sizeof answer);
    if (n) socket_.sendNow(answer, n, reinterpret_cast<const sockaddr*>(&from), fromLen);
    route(from, fromLen, transport);
    transport->onCheck(from, fromLen, request.useCandidate, now);
    return;
  }
  auto it = byAddress_.find(Key(from, fromLen));
  if (it == byAddress_.end()) {
    unknownDropped_++;
    return;
  }
  if (first >= 20 && first <= 63)
    it->second->onDtls(buf, len, from, fromLen, now);
  else if (first >= 128 && first <= 191)
    it->second->onSrtp(buf, len, from, fromLen, now);
  else
    unknownDropped_++;
}

void TransportEngine::tick() {
  retired_.clear();
  if (transports_.empty()) return;
  uint64_t now = uv_now(loop_);
  // A transport's tick may fail it, which removes it from the map: walk a copy.
  std::vector<PeerTransport*> all;
  all.reserve(transports_.size());
  for (auto& entry : transports_) all.push_back(entry.first);
  for (PeerTransport* t : all)
    if (!closed_ && transports_.count(t)) t->tick(now);
}

void TransportEngine::close(std::function<void()> done) {
  if (closed_) return;
  closed_ = true;
  std::vector<PeerTransport*> all;
  for (auto& entry : transports_) all.push_back(entry.first);
  for (PeerTransport* t : all) t->close();
  transports_.clear();
  byUfrag_.clear();
  byAddress_.clear();
  auto finish = [this, done = std::move(done)]() mutable {
    if (!timerOpen_) {
      done();
      return;
    }
    uv_timer_stop(&timer_);
    done_ = std::move(done);
    uv_close(reinterpret_cast<uv_handle_t*>(&timer_), [](uv_handle_t* h) {
      auto* self = static_cast<TransportEngine*>(h->data);
      self->timerOpen_ = false;
      self->done_();
    });
  };
  socket_.close(std::move(finish));
}

}  // namespace hudong
