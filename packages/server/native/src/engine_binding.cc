// JavaScript's view of the native media connections (packages/server/src/media/native/):
//   new TransportEngine(address, portMin, portMax) → { port, fingerprint, createTransport, stats, close }
//   engine.createTransport(ufrag, pwd, onEvent) → { setRemote(fingerprint, role), send(buf), close() }
// onEvent(kind, data): 0 connected, 1 failed (data: why), 2 rtcp / 3 rtp (data: the decrypted
// packet's length; the packet is at the start of `engine.inbox` until the call returns).
#include <node_api.h>
#include <uv.h>

#include <cstring>
#include <memory>
#include <string>

#include "binding.h"
#include "transport_engine.h"
#include "peer_transport.h"

namespace hudong {
namespace {

enum EventKind { kConnected = 0, kFailed = 1, kRtcp = 2, kRtp = 3 };

// Bytes of `inbox`: the largest datagram the socket reads.
constexpr size_t kInboxBytes = 2048;

struct EngineHandle {
  napi_env env;
  std::unique_ptr<TransportEngine> engine;
  napi_async_context async = nullptr;
  // One Buffer every received packet is handed to JavaScript in, in turn: a Buffer per packet made
  // V8 count its backing store as external memory and run major collections for it.
  napi_ref inboxRef = nullptr;
  uint8_t* inbox = nullptr;
  bool finalized = false;
  bool released = false;  // libuv let go of the engine's handles
};

void ReleaseEngine(EngineHandle* handle) {
  if (handle->finalized && handle->released) delete handle;
}

void CloseEngine(EngineHandle* handle) {
  if (handle->engine->closed()) return;
  handle->engine->close([handle] {
    handle->released = true;
    if (handle->async) napi_async_destroy(handle->env, handle->async);
    handle->async = nullptr;
    if (handle->inboxRef) napi_delete_reference(handle->env, handle->inboxRef);
    handle->inboxRef = nullptr;
    handle->inbox = nullptr;
    ReleaseEngine(handle);
  });
}

// Calls the transport's JavaScript listener. The listener guards its own work (the media plane's
// one boundary); a throw that still gets past it is dropped here rather than ending the process.
struct JsEvents : PeerTransport::Events {
  napi_env env;
  EngineHandle* engine;
  napi_ref callback = nullptr;
  std::shared_ptr<PeerTransport> transport;

  void emit(int kind, napi_value data) {
    if (!callback || !engine->async) return;
    napi_value fn, recv, undefined, argv[2];
    napi_get_reference_value(env, callback, &fn);
    napi_get_global(env, &recv);  // make_callback wants an object as `this`
    napi_get_undefined(env, &undefined);
    napi_create_int32(env, kind, &argv[0]);
    argv[1] = data ? data : undefined;
    if (napi_make_callback(env, engine->async, recv, fn, 2, argv, nullptr) == napi_pending_exception) {
      napi_value ignored;
      napi_get_and_clear_last_exception(env, &ignored);
    }
  }
  void connected() override {
    napi_handle_scope scope;
    napi_open_handle_scope(env, &scope);
    emit(kConnected, nullptr);
    napi_close_handle_scope(env, scope);
  }
  void failed(const std::string& why) override {
    napi_handle_scope scope;
    napi_open_handle_scope(env, &scope);
    napi_value text;
    napi_create_string_utf8(env, why.c_str(), why.size(), &text);
    emit(kFailed, text);
    napi_close_handle_scope(env, scope);
  }
  void rtcp(const uint8_t* buf, size_t len) override { packet(kRtcp, buf, len); }
  void rtp(const uint8_t* buf, size_t len) override { packet(kRtp, buf, len); }
  void packet(int kind, const uint8_t* buf, size_t len) {
    if (!engine->inbox || len > kInboxBytes) return;
    std::memcpy(engine->inbox, buf, len);
    napi_handle_scope scope;
    napi_open_handle_scope(env, &scope);
    napi_value length;
    napi_create_uint32(env, static_cast<uint32_t>(len), &length);
    emit(kind, length);
    napi_close_handle_scope(env, scope);
  }
};

std::string StringArg(napi_env env, napi_value value) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, value, nullptr, 0, &len) != napi_ok) return {};
  std::string out(len, '\0');
  napi_get_value_string_utf8(env, value, out.data(), len + 1, &len);
  return out;
}

napi_value TransportConstructor(napi_env env, napi_callback_info info) {
  napi_value self;
  HUDONG_NAPI(env, napi_get_cb_info(env, info, nullptr, nullptr, &self, nullptr));
  return self;  // made empty by createTransport, which wraps it
}

JsEvents* TransportOf(napi_env env, napi_callback_info info, size_t* argc, napi_value* argv) {
  napi_value self;
  void* data = nullptr;
  if (napi_get_cb_info(env, info, argc, argv, &self, nullptr) != napi_ok) return nullptr;
  if (napi_unwrap(env, self, &data) != napi_ok) return nullptr;
  return static_cast<JsEvents*>(data);
}

napi_value TransportSend(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  JsEvents* events = TransportOf(env, info, &argc, argv);
  bool sent = false;
  void* data;
  size_t len;
  if (events && events->transport && argc == 1 && napi_get_buffer_info(env, argv[0], &data, &len) == napi_ok)
    sent = events->transport->send(static_cast<const uint8_t*>(data), len);
  napi_value result;
  napi_get_boolean(env, sent, &result);
  return result;
}

napi_value TransportSetRemote(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  JsEvents* events = TransportOf(env, info, &argc, argv);
  if (!events || argc < 2) {
    napi_throw_type_error(env, nullptr, "setRemote(fingerprint, role)");
    return nullptr;
  }
  std::string fingerprint = StringArg(env, argv[0]), role = StringArg(env, argv[1]);
  if (events->transport)
    events->transport->setRemote(fingerprint, role == "client" ? DtlsSession::Role::Client : DtlsSession::Role::Server);
  return nullptr;
}

void DropTransport(JsEvents* events) {
  if (events->transport) events->transport->close();
  events->transport.reset();
  if (events->callback) napi_delete_reference(events->env, events->callback);
  events->callback = nullptr;
}

napi_value TransportClose(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  JsEvents* events = TransportOf(env, info, &argc, nullptr);
  if (events) DropTransport(events);
  return nullptr;
}

napi_ref transportClass = nullptr;

EngineHandle* EngineOf(napi_env env, napi_callback_info info, size_t* argc, napi_value* argv) {
  napi_value self;
  void* data = nullptr;
  if (napi_get_cb_info(env, info, argc, argv, &self, nullptr) != napi_ok) return nullptr;
  if (napi_unwrap(env, self, &data) != napi_ok) return nullptr;
  return static_cast<EngineHandle*>(data);
}

napi_value EngineConstructor(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], self;
  HUDONG_NAPI(env, napi_get_cb_info(env, info, &argc, argv, &self, nullptr));
  std::string address = argc > 0 ? StringArg(env, argv[0]) : "";
  int32_t portMin = 0, portMax = 0;
  if (argc > 2) {
    napi_get_value_int32(env, argv[1], &portMin);
    napi_get_value_int32(env, argv[2], &portMax);
  }
  uv_loop_t* loop;
  HUDONG_NAPI(env, napi_get_uv_event_loop(env, &loop));
  auto* handle = new EngineHandle{env, std::make_unique<TransportEngine>(loop)};
  int err = handle->engine->open(address.c_str(), portMin, portMax);
  if (err) {
    std::string why = "the media socket could not be opened on " + (address.empty() ? std::string("0.0.0.0") : address) +
                      " ports " + std::to_string(portMin) + "-" + std::to_string(portMax) + ": " +
                      (err == EPROTO ? "no DTLS certificate" : std::string(strerror(err)));
    handle->finalized = true;
    CloseEngine(handle);
    napi_throw_error(env, "ERR_HUDONG_MEDIA_SOCKET", why.c_str());
    return nullptr;
  }
  napi_value name;
  napi_create_string_utf8(env, "hudong.media", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, self, name, &handle->async);
  HUDONG_NAPI(env, napi_wrap(
                       env, self, handle,
                       [](napi_env, void* data, void*) {
                         auto* h = static_cast<EngineHandle*>(data);
                         h->finalized = true;
                         if (h->engine->closed()) ReleaseEngine(h);
                         else CloseEngine(h);
                       },
                       nullptr, nullptr));
  napi_value inbox;
  void* inboxData = nullptr;
  HUDONG_NAPI(env, napi_create_buffer(env, kInboxBytes, &inboxData, &inbox));
  HUDONG_NAPI(env, napi_create_reference(env, inbox, 1, &handle->inboxRef));
  handle->inbox = static_cast<uint8_t*>(inboxData);
  napi_set_named_property(env, self, "inbox", inbox);
  napi_value port, fingerprint;
  napi_create_int32(env, handle->engine->port(), &port);
  napi_create_string_utf8(env, handle->engine->fingerprint().c_str(), NAPI_AUTO_LENGTH, &fingerprint);
  napi_set_named_property(env, self, "port", port);
  napi_set_named_property(env, self, "fingerprint", fingerprint);
  return self;
}

napi_value EngineCreateTransport(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  EngineHandle* handle = EngineOf(env, info, &argc, argv);
  napi_valuetype fnType = napi_undefined;
  if (argc == 3) napi_typeof(env, argv[2], &fnType);
  if (!handle || fnType != napi_function) {
    napi_throw_type_error(env, nullptr, "createTransport(ufrag, pwd, onEvent)");
    return nullptr;
  }
  if (handle->engine->closed()) {
    napi_throw_error(env, nullptr, "the media engine is closed");
    return nullptr;
  }
  napi_value ctor, object;
  HUDONG_NAPI(env, napi_get_reference_value(env, transportClass, &ctor));
  HUDONG_NAPI(env, napi_new_instance(env, ctor, 0, nullptr, &object));
  auto* events = new JsEvents();
  events->env = env;
  events->engine = handle;
  napi_create_reference(env, argv[2], 1, &events->callback);
  events->transport =
      PeerTransport::Create(handle->engine.get(), StringArg(env, argv[0]), StringArg(env, argv[1]), events);
  HUDONG_NAPI(env, napi_wrap(
                       env, object, events,
                       [](napi_env, void* data, void*) {
                         auto* e = static_cast<JsEvents*>(data);
                         DropTransport(e);
                         delete e;
                       },
                       nullptr, nullptr));
  return object;
}

napi_value EngineStats(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  EngineHandle* handle = EngineOf(env, info, &argc, nullptr);
  if (!handle) return nullptr;
  napi_value out;
  napi_create_object(env, &out);
  auto set = [&](const char* key, double value) {
    napi_value v;
    napi_create_double(env, value, &v);
    napi_set_named_property(env, out, key, v);
  };
  MediaSocket& socket = handle->engine->socket();
  set("datagramsSent", static_cast<double>(socket.datagramsSent()));
  set("datagramsDropped", static_cast<double>(socket.datagramsDropped()));
  set("sendCalls", static_cast<double>(socket.sendCalls()));
  set("stunDropped", static_cast<double>(handle->engine->stunDropped()));
  set("unknownDropped", static_cast<double>(handle->engine->unknownDropped()));
  return out;
}

napi_value EngineClose(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  EngineHandle* handle = EngineOf(env, info, &argc, nullptr);
  if (handle) CloseEngine(handle);
  return nullptr;
}

}  // namespace

void InitEngineBinding(napi_env env, napi_value exports) {
  napi_property_descriptor transportMethods[] = {
      {"send", nullptr, TransportSend, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setRemote", nullptr, TransportSetRemote, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"close", nullptr, TransportClose, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_value transport;
  napi_define_class(env, "PeerTransport", NAPI_AUTO_LENGTH, TransportConstructor, nullptr, 3, transportMethods,
                    &transport);
  napi_create_reference(env, transport, 1, &transportClass);

  napi_property_descriptor engineMethods[] = {
      {"createTransport", nullptr, EngineCreateTransport, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"stats", nullptr, EngineStats, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"close", nullptr, EngineClose, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_value engine;
  napi_define_class(env, "TransportEngine", NAPI_AUTO_LENGTH, EngineConstructor, nullptr, 3, engineMethods, &engine);
  napi_set_named_property(env, exports, "TransportEngine", engine);
}

}  // namespace hudong
