// Turns every C++ exception into an error code plus a thread-local message,
// so that a wrong argument surfaces in C# as an exception, not an abort.
#pragma once
#include <c10/util/Exception.h>

#include <exception>
#include <new>
#include <string>

namespace abt {
void set_error(const std::string& message);
}

#define ABT_TRY try {
#define ABT_CATCH                                    \
  return 0;                                          \
  }                                                  \
  catch (const c10::OutOfMemoryError& e) {           \
    abt::set_error(e.what_without_backtrace());      \
    return 2;                                        \
  }                                                  \
  catch (const c10::Error& e) {                      \
    abt::set_error(e.what_without_backtrace());      \
    return 1;                                        \
  }                                                  \
  catch (const std::bad_alloc&) {                    \
    abt::set_error("out of memory");                 \
    return 2;                                        \
  }                                                  \
  catch (const std::exception& e) {                  \
    abt::set_error(e.what());                        \
    return 1;                                        \
  }                                                  \
  catch (...) {                                      \
    abt::set_error("unknown native error");          \
    return 1;                                        \
  }
