// errors.h: the one factory of Node-shaped system errors (C++ and JS use it).
#ifndef T_POLLER_NATIVE_ERRORS_H_
#define T_POLLER_NATIVE_ERRORS_H_

#include <napi.h>
#include <stddef.h>

namespace tpoller {

// Longest syscall name and address (IP literal or unix path) the JS face
// may pass to systemError(); with these bounds no message is ever cut.
constexpr size_t kMaxSyscallName = 63;
constexpr size_t kMaxErrorAddress = 255;

// Creates (without throwing) an Error shaped like Node's system errors:
// message "<syscall> <CODE> <address>[:<port>] (fd <fd>): <description>"
// and the properties code, errno (negative), syscall, and fd/address/port
// when given (fd < 0, address == nullptr, port < 0 mean "not applicable";
// port only goes with an address).
Napi::Error MakeSystemError(Napi::Env env, int neg_errno, const char* syscall,
                            int fd = -1, const char* address = nullptr,
                            int port = -1);

// Throws MakeSystemError(...) as a JS exception.
void ThrowSystemError(Napi::Env env, int neg_errno, const char* syscall,
                      int fd = -1, const char* address = nullptr,
                      int port = -1);

// Writes the errno name ("EAGAIN") for a negative errno into buf.
void ErrnoName(int neg_errno, char* buf, size_t len);

}  // namespace tpoller

#endif  // T_POLLER_NATIVE_ERRORS_H_
