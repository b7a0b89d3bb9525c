#include "binding.h"
namespace hudong {
void InitSrtpBinding(napi_env env, napi_value exports) {}
}
