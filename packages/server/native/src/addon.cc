// The module's entry: each part registers its own exports.
#include <node_api.h>

#include "binding.h"

static napi_value Init(napi_env env, napi_value exports) {
  hudong::InitSrtpBinding(env, exports);
  hudong::InitEngineBinding(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
