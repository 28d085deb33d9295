#include "error.h"

#include "anomalybench_torch.h"

namespace {
thread_local std::string t_last_error;
}

namespace abt {
void set_error(const std::string& message) { t_last_error = message; }
}  // namespace abt

extern "C" const char* abt_last_error(void) { return t_last_error.c_str(); }
