// N-API registration of each native part, and the small helpers they share.
#pragma once
#include <node_api.h>

namespace hudong {

// Throws a JavaScript Error and returns nullptr when `status` is not napi_ok.
#define HUDONG_NAPI(env, call)                                               \
  do {                                                                       \
    if ((call) != napi_ok) {                                                 \
      const napi_extended_error_info* info = nullptr;                        \
      napi_get_last_error_info((env), &info);                                \
      bool pending = false;                                                  \
      napi_is_exception_pending((env), &pending);                            \
      if (!pending)                                                          \
        napi_throw_error((env), nullptr,                                     \
                         info && info->error_message ? info->error_message   \
                                                     : "native call failed"); \
      return nullptr;                                                        \
    }                                                                        \
  } while (0)

void InitSrtpBinding(napi_env env, napi_value exports);
void InitEngineBinding(napi_env env, napi_value exports);

}  // namespace hudong
