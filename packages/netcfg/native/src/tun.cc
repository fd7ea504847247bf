// TUN device addon for openvpn3-ts (see shared guide libraries.md section 2.2).
//
// Exports:
//   open(name)              -> { fd, name }   O_RDWR|O_CLOEXEC|O_NONBLOCK, IFF_TUN|IFF_NO_PI
//   ifName(fd)              -> string          TUNGETIFF
//   setNonBlocking(fd, on)  -> undefined
//   writePackets(fd, bufs)  -> number          packets accepted by the kernel
//   close(fd)               -> undefined
//   setSocketMark(fd, mark) -> undefined       SO_MARK (netcfg ProtectSocket, needs CAP_NET_ADMIN)
//   bindToDevice(fd, name)  -> undefined       SO_BINDTODEVICE (needs CAP_NET_RAW)
//   udpOpen(family, addr, port, bufSize) -> fd  non-blocking UDP socket connected to addr:port
//   sendPackets(fd, bufs)   -> number          sendmmsg on a connected socket, one datagram each
//   Poller(fd, cb, maxBatch, bufSize)          uv_poll on the fd; cb(err, Buffer[]) per batch
//     .stop() .ref() .unref() .active
//
// Reads and writes never block: a full TUN queue returns EAGAIN, which ends a batch. The poller
// also reads connected UDP sockets (one datagram per read); ICMP errors queued on such a socket
// (ECONNREFUSED) are transient and skipped, as node:dgram does.

#include <napi.h>
#include <uv.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <arpa/inet.h>
#include <linux/if.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace {

Napi::Error ErrnoError(Napi::Env env, const char* what, int err) {
  Napi::Error e = Napi::Error::New(env, std::string(what) + ": " + std::strerror(err));
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("syscall", Napi::String::New(env, what));
  return e;
}

// Throws `e` and returns undefined, so an exported function can `return Throw(...)`.
Napi::Value Throw(const Napi::Error& e) {
  e.ThrowAsJavaScriptException();
  return e.Env().Undefined();
}

// Throws a TypeError `msg` and returns false, for the argument checks below.
bool TypeFail(Napi::Env env, const char* msg) {
  Napi::TypeError::New(env, msg).ThrowAsJavaScriptException();
  return false;
}

// Argument i is present and `(info[i].*is)()` holds (e.g. &Napi::Value::IsNumber), else a
// TypeError `msg`.
bool ArgIs(const Napi::CallbackInfo& info, size_t i, bool (Napi::Value::*is)() const,
           const char* msg) {
  return (info.Length() > i && (info[i].*is)()) || TypeFail(info.Env(), msg);
}

// Argument i as a file descriptor (a number >= 0).
bool ArgFd(const Napi::CallbackInfo& info, size_t i, int* fd) {
  if (!ArgIs(info, i, &Napi::Value::IsNumber, "fd must be a number")) return false;
  *fd = info[i].As<Napi::Number>().Int32Value();
  return *fd >= 0 || TypeFail(info.Env(), "fd must be >= 0");
}

// An interface name fits struct ifreq.ifr_name with its NUL.
bool CheckIfName(Napi::Env env, const std::string& name) {
  return name.size() < IFNAMSIZ || TypeFail(env, "interface name too long");
}

// Argument i as the array of packets of writePackets/sendPackets.
bool ArgPackets(const Napi::CallbackInfo& info, size_t i, Napi::Array* out) {
  if (!ArgIs(info, i, &Napi::Value::IsArray, "packets must be an array of Buffers")) return false;
  *out = info[i].As<Napi::Array>();
  return true;
}

// Element i of a packet array as bytes.
bool PacketAt(Napi::Env env, const Napi::Array& arr, uint32_t i, Napi::Uint8Array* out) {
  Napi::Value v = arr.Get(i);
  if (!v.IsTypedArray()) return TypeFail(env, "packet is not a Uint8Array");
  *out = v.As<Napi::Uint8Array>();
  return true;
}

Napi::Value Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name;
  if (info.Length() > 0 && info[0].IsString()) name = info[0].As<Napi::String>().Utf8Value();
  if (!CheckIfName(env, name)) return env.Undefined();
  int fd = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return Throw(ErrnoError(env, "open", errno));
  struct ifreq ifr;
  std::memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  if (::ioctl(fd, TUNSETIFF, &ifr) < 0) {
    int err = errno;
    ::close(fd);
    return Throw(ErrnoError(env, "ioctl(TUNSETIFF)", err));
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("fd", Napi::Number::New(env, fd));
  out.Set("name", Napi::String::New(env, ifr.ifr_name));
  return out;
}

Napi::Value IfName(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  if (!ArgFd(info, 0, &fd)) return env.Undefined();
  struct ifreq ifr;
  std::memset(&ifr, 0, sizeof ifr);
  if (::ioctl(fd, TUNGETIFF, &ifr) < 0) return Throw(ErrnoError(env, "ioctl(TUNGETIFF)", errno));
  return Napi::String::New(env, ifr.ifr_name);
}

Napi::Value SetNonBlocking(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  if (!ArgFd(info, 0, &fd)) return env.Undefined();
  bool on = info.Length() < 2 || info[1].ToBoolean().Value();
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK)) < 0) {
    return Throw(ErrnoError(env, "fcntl", errno));
  }
  return env.Undefined();
}

Napi::Value Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  if (!ArgFd(info, 0, &fd)) return env.Undefined();
  if (::close(fd) < 0) return Throw(ErrnoError(env, "close", errno));
  return env.Undefined();
}

// SO_MARK on a socket fd received from a client (spec §7.2 ProtectSocket, --set-somark).
Napi::Value SetSocketMark(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  if (!ArgFd(info, 0, &fd) || !ArgIs(info, 1, &Napi::Value::IsNumber, "mark must be a number")) {
    return env.Undefined();
  }
  uint32_t mark = info[1].As<Napi::Number>().Uint32Value();
  if (::setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) < 0) {
    return Throw(ErrnoError(env, "setsockopt(SO_MARK)", errno));
  }
  return env.Undefined();
}

// SO_BINDTODEVICE (spec §7.2 ProtectSocket, redirect method bind-device).
Napi::Value BindToDevice(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  if (!ArgFd(info, 0, &fd) ||
      !ArgIs(info, 1, &Napi::Value::IsString, "device must be a string")) {
    return env.Undefined();
  }
  std::string dev = info[1].As<Napi::String>().Utf8Value();
  if (!CheckIfName(env, dev)) return env.Undefined();
  if (::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev.c_str(), dev.size()) < 0) {
    return Throw(ErrnoError(env, "setsockopt(SO_BINDTODEVICE)", errno));
  }
  return env.Undefined();
}

// Writes each Buffer as one packet. Stops at EAGAIN (queue full) and returns the count written;
// a packet the kernel rejects as malformed (EINVAL) is skipped; any other error throws.
Napi::Value WritePackets(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  Napi::Array arr;
  if (!ArgFd(info, 0, &fd) || !ArgPackets(info, 1, &arr)) return env.Undefined();
  uint32_t n = arr.Length();
  uint32_t written = 0;
  for (uint32_t i = 0; i < n; i++) {
    Napi::Uint8Array b;
    if (!PacketAt(env, arr, i, &b)) return env.Undefined();
    ssize_t r;
    do {
      r = ::write(fd, b.Data(), b.ByteLength());
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == EINVAL) continue;
      return Throw(ErrnoError(env, "write", errno));
    }
    written++;
  }
  return Napi::Number::New(env, written);
}

// Fills `ss` with (family, numeric address, port); false if the address does not parse.
bool SockAddr(int family, const std::string& addr, uint16_t port, struct sockaddr_storage* ss,
              socklen_t* len) {
  std::memset(ss, 0, sizeof *ss);
  if (family == AF_INET) {
    auto* sin = reinterpret_cast<struct sockaddr_in*>(ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    *len = sizeof(struct sockaddr_in);
    return ::inet_pton(AF_INET, addr.c_str(), &sin->sin_addr) == 1;
  }
  auto* sin6 = reinterpret_cast<struct sockaddr_in6*>(ss);
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons(port);
  *len = sizeof(struct sockaddr_in6);
  return ::inet_pton(AF_INET6, addr.c_str(), &sin6->sin6_addr) == 1;
}

// Opens a non-blocking UDP socket connected to (family 4|6, numeric address, port); optional
// SO_RCVBUF/SO_SNDBUF size. The caller owns the fd (close()).
Napi::Value UdpOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsString() || !info[2].IsNumber()) {
    return Throw(Napi::TypeError::New(env, "udpOpen(family, address, port[, bufSize])"));
  }
  int family = info[0].As<Napi::Number>().Int32Value() == 6 ? AF_INET6 : AF_INET;
  std::string addr = info[1].As<Napi::String>().Utf8Value();
  uint32_t port = info[2].As<Napi::Number>().Uint32Value();
  if (port == 0 || port > 65535) return Throw(Napi::RangeError::New(env, "port out of range"));
  struct sockaddr_storage ss;
  socklen_t len;
  if (!SockAddr(family, addr, static_cast<uint16_t>(port), &ss, &len)) {
    return Throw(Napi::TypeError::New(
        env, family == AF_INET ? "bad IPv4 address" : "bad IPv6 address"));
  }
  int fd = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Throw(ErrnoError(env, "socket", errno));
  if (info.Length() > 3 && info[3].IsNumber()) {
    int size = info[3].As<Napi::Number>().Int32Value();
    if (size > 0) {
      ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
      ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    }
  }
  if (::connect(fd, reinterpret_cast<struct sockaddr*>(&ss), len) < 0) {
    int err = errno;
    ::close(fd);
    return Throw(ErrnoError(env, "connect", err));
  }
  return Napi::Number::New(env, fd);
}

// Datagram errors after which UDP carries on (the datagram is lost).
bool SkippableSendError(int err) {
  return err == ECONNREFUSED || err == EHOSTUNREACH || err == ENETUNREACH || err == EMSGSIZE ||
         err == EPERM || err == ENOBUFS;
}

// Plain path: one datagram per mmsghdr, sendmmsg in chunks of 64. Returns datagrams sent from
// iov[from..n); stops at EAGAIN; -errno on a fatal error.
long SendPlain(int fd, struct iovec* iov, uint32_t from, uint32_t n) {
  constexpr uint32_t kChunk = 64;
  struct mmsghdr msgs[kChunk];
  long sent = 0;
  uint32_t i = from;
  while (i < n) {
    uint32_t m = 0;
    for (; m < kChunk && i + m < n; m++) {
      std::memset(&msgs[m], 0, sizeof msgs[m]);
      msgs[m].msg_hdr.msg_iov = &iov[i + m];
      msgs[m].msg_hdr.msg_iovlen = 1;
    }
    int r = ::sendmmsg(fd, msgs, m, 0);
    if (r < 0) {
      int err = errno;
      if (err == EINTR) continue;
      if (err == EAGAIN || err == EWOULDBLOCK) break;
      if (SkippableSendError(err)) {
        i++;
        continue;
      }
      return -err;
    }
    sent += r;
    i += static_cast<uint32_t>(r);
  }
  return sent;
}

// UDP GSO off once the kernel refused it on this process's sockets.
bool gsoDisabled = false;

// GSO path: runs of equal-sized datagrams (the last of a run may be shorter) go out as one
// message with UDP_SEGMENT, so the kernel builds them in one pass. Falls back to SendPlain.
long SendGso(int fd, struct iovec* iov, uint32_t n) {
  constexpr uint32_t kMaxSegs = 64;
  constexpr size_t kMaxBytes = 65000;
  struct Group {
    uint32_t first;
    uint32_t count;
    uint16_t seg;
  };
  std::vector<Group> groups;
  groups.reserve(n);
  for (uint32_t i = 0; i < n;) {
    size_t seg = iov[i].iov_len;
    uint32_t c = 1;
    size_t bytes = seg;
    while (i + c < n && c < kMaxSegs && bytes + iov[i + c].iov_len <= kMaxBytes &&
           iov[i + c].iov_len <= seg && seg > 0) {
      bytes += iov[i + c].iov_len;
      bool last = iov[i + c].iov_len < seg;
      c++;
      if (last) break;
    }
    groups.push_back({i, c, static_cast<uint16_t>(seg > 65535 ? 0 : seg)});
    i += c;
  }
  constexpr uint32_t kChunk = 64;
  struct mmsghdr msgs[kChunk];
  alignas(struct cmsghdr) char ctrl[kChunk][CMSG_SPACE(sizeof(uint16_t))];
  long sent = 0;
  size_t g = 0;
  while (g < groups.size()) {
    uint32_t m = 0;
    for (; m < kChunk && g + m < groups.size(); m++) {
      const Group& gr = groups[g + m];
      std::memset(&msgs[m], 0, sizeof msgs[m]);
      msgs[m].msg_hdr.msg_iov = &iov[gr.first];
      msgs[m].msg_hdr.msg_iovlen = gr.count;
      if (gr.count > 1) {
        msgs[m].msg_hdr.msg_control = ctrl[m];
        msgs[m].msg_hdr.msg_controllen = sizeof ctrl[m];
        struct cmsghdr* cm = CMSG_FIRSTHDR(&msgs[m].msg_hdr);
        cm->cmsg_level = SOL_UDP;
        cm->cmsg_type = UDP_SEGMENT;
        cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
        std::memcpy(CMSG_DATA(cm), &gr.seg, sizeof(uint16_t));
      }
    }
    int r = ::sendmmsg(fd, msgs, m, 0);
    if (r < 0) {
      int err = errno;
      if (err == EINTR) continue;
      if (err == EAGAIN || err == EWOULDBLOCK) break;
      if (groups[g].count > 1 && (err == EIO || err == EINVAL || err == ENOPROTOOPT)) {
        gsoDisabled = true;  // no GSO here: the rest one datagram at a time
        long rest = SendPlain(fd, iov, groups[g].first, n);
        return rest < 0 ? rest : sent + rest;
      }
      if (SkippableSendError(err)) {
        g++;
        continue;
      }
      return -err;
    }
    for (int k = 0; k < r; k++) sent += groups[g + k].count;
    g += static_cast<size_t>(r);
  }
  return sent;
}

// Sends each Buffer as one datagram on a connected socket: UDP GSO for runs of equal sizes
// with sendmmsg, or plain sendmmsg. Stops at EAGAIN (socket buffer full) and returns the count
// sent; a datagram refused by a queued ICMP error (ECONNREFUSED etc.) or too big is skipped;
// other errors throw.
Napi::Value SendPackets(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  Napi::Array arr;
  if (!ArgFd(info, 0, &fd) || !ArgPackets(info, 1, &arr)) return env.Undefined();
  uint32_t n = arr.Length();
  std::vector<struct iovec> iov(n);
  for (uint32_t i = 0; i < n; i++) {
    Napi::Uint8Array b;
    if (!PacketAt(env, arr, i, &b)) return env.Undefined();
    iov[i].iov_base = b.Data();
    iov[i].iov_len = b.ByteLength();
  }
  long r = gsoDisabled || n < 2 ? SendPlain(fd, iov.data(), 0, n) : SendGso(fd, iov.data(), n);
  if (r < 0) return Throw(ErrnoError(env, "sendmmsg", static_cast<int>(-r)));
  return Napi::Number::New(env, static_cast<double>(r));
}

class Poller : public Napi::ObjectWrap<Poller> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Poller",
                       {InstanceMethod<&Poller::Stop>("stop"), InstanceMethod<&Poller::RefM>("ref"),
                        InstanceMethod<&Poller::UnrefM>("unref"),
                        InstanceAccessor<&Poller::Active>("active")});
  }

  explicit Poller(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Poller>(info) {
    Napi::Env env = info.Env();
    if (!ArgFd(info, 0, &fd_) ||
        !ArgIs(info, 1, &Napi::Value::IsFunction, "callback must be a function")) {
      return;
    }
    if (info.Length() > 2 && info[2].IsNumber()) maxBatch_ = info[2].As<Napi::Number>().Uint32Value();
    if (maxBatch_ < 1) maxBatch_ = 1;
    if (maxBatch_ > 1024) maxBatch_ = 1024;
    if (info.Length() > 3 && info[3].IsNumber()) bufSize_ = info[3].As<Napi::Number>().Uint32Value();
    if (bufSize_ < 576) bufSize_ = 576;
    if (bufSize_ > 65536) bufSize_ = 65536;
    buf_.resize(bufSize_);
    cb_ = Napi::Persistent(info[1].As<Napi::Function>());
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) {
      Napi::Error::New(env, "no event loop").ThrowAsJavaScriptException();
      return;
    }
    handle_ = new uv_poll_t;
    int rc = uv_poll_init(loop, handle_, fd_);
    if (rc != 0) {
      delete handle_;
      handle_ = nullptr;
      Napi::Error::New(env, std::string("uv_poll_init: ") + uv_strerror(rc)).ThrowAsJavaScriptException();
      return;
    }
    handle_->data = this;
    rc = uv_poll_start(handle_, UV_READABLE, &Poller::OnReadable);
    if (rc != 0) {
      CloseHandle();
      Napi::Error::New(env, std::string("uv_poll_start: ") + uv_strerror(rc)).ThrowAsJavaScriptException();
      return;
    }
    // Keep the JS object alive while polling, so GC cannot collect a running poller.
    Ref();
    napi_add_env_cleanup_hook(env, &Poller::EnvCleanup, this);
    hookAdded_ = true;
  }

  ~Poller() override {
    if (hookAdded_) napi_remove_env_cleanup_hook(Env(), &Poller::EnvCleanup, this);
    CloseHandle();
  }

 private:
  static void EnvCleanup(void* arg) {
    Poller* self = static_cast<Poller*>(arg);
    self->hookAdded_ = false;
    self->CloseHandle();
  }

  static void OnClosed(uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); }

  void CloseHandle() {
    if (handle_ != nullptr) {
      uv_poll_stop(handle_);
      handle_->data = nullptr;
      uv_close(reinterpret_cast<uv_handle_t*>(handle_), &Poller::OnClosed);
      handle_ = nullptr;
    }
  }

  // Stops polling; idempotent. Returns true if it was active.
  bool StopInternal() {
    if (handle_ == nullptr) return false;
    CloseHandle();
    if (hookAdded_) {
      napi_remove_env_cleanup_hook(Env(), &Poller::EnvCleanup, this);
      hookAdded_ = false;
    }
    Unref();
    return true;
  }

  static void OnReadable(uv_poll_t* h, int status, int /*events*/) {
    Poller* self = static_cast<Poller*>(h->data);
    if (self == nullptr) return;
    self->Drain(status);
  }

  void Drain(int status) {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (status == UV_EBADF && handle_ != nullptr && TransientSocketError()) {
      // libuv reports EPOLLERR as EBADF and stops the handle; on a UDP socket that is a queued
      // ICMP error (now cleared by SO_ERROR): poll again and read what is there.
      int rc = uv_poll_start(handle_, UV_READABLE, &Poller::OnReadable);
      status = rc < 0 ? rc : 0;
    }
    if (status < 0) {
      Napi::Error err = Napi::Error::New(env, std::string("poll: ") + uv_strerror(status));
      StopAndReport(err.Value());
      return;
    }
    Napi::Array batch = Napi::Array::New(env);
    uint32_t count = 0;
    int failErr = 0;
    while (count < maxBatch_) {
      ssize_t r = ::read(fd_, buf_.data(), buf_.size());
      if (r < 0) {
        if (errno == EINTR) continue;
        // a connected UDP socket reports queued ICMP errors once on read: skip them
        if (errno == ECONNREFUSED || errno == EHOSTUNREACH || errno == ENETUNREACH) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) failErr = errno;
        break;
      }
      if (r == 0) break;
      batch.Set(count++, Napi::Buffer<uint8_t>::Copy(env, buf_.data(), static_cast<size_t>(r)));
    }
    if (count > 0) {
      Napi::Object recv = Value();
      cb_.MakeCallback(recv, {env.Null(), batch});
    }
    if (failErr != 0 && handle_ != nullptr) {
      StopAndReport(ErrnoError(env, "read", failErr).Value());
    }
  }

  // True if fd_ is a socket whose pending error (read and cleared here) is an ICMP report.
  bool TransientSocketError() {
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) < 0) return false;
    return err == ECONNREFUSED || err == EHOSTUNREACH || err == ENETUNREACH;
  }

  void StopAndReport(Napi::Value err) {
    Napi::Env env = Env();
    Napi::Object recv = Value();
    bool wasActive = StopInternal();
    if (wasActive) cb_.MakeCallback(recv, {err, env.Undefined()});
  }

  Napi::Value Stop(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), StopInternal());
  }

  Napi::Value RefM(const Napi::CallbackInfo& info) {
    if (handle_ != nullptr) uv_ref(reinterpret_cast<uv_handle_t*>(handle_));
    return info.Env().Undefined();
  }

  Napi::Value UnrefM(const Napi::CallbackInfo& info) {
    if (handle_ != nullptr) uv_unref(reinterpret_cast<uv_handle_t*>(handle_));
    return info.Env().Undefined();
  }

  Napi::Value Active(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), handle_ != nullptr);
  }

  int fd_ = -1;
  uint32_t maxBatch_ = 64;
  uint32_t bufSize_ = 65536;
  std::vector<uint8_t> buf_;
  uv_poll_t* handle_ = nullptr;
  bool hookAdded_ = false;
  Napi::FunctionReference cb_;
};

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("open", Napi::Function::New(env, Open, "open"));
  exports.Set("ifName", Napi::Function::New(env, IfName, "ifName"));
  exports.Set("setNonBlocking", Napi::Function::New(env, SetNonBlocking, "setNonBlocking"));
  exports.Set("writePackets", Napi::Function::New(env, WritePackets, "writePackets"));
  exports.Set("close", Napi::Function::New(env, Close, "close"));
  exports.Set("setSocketMark", Napi::Function::New(env, SetSocketMark, "setSocketMark"));
  exports.Set("bindToDevice", Napi::Function::New(env, BindToDevice, "bindToDevice"));
  exports.Set("udpOpen", Napi::Function::New(env, UdpOpen, "udpOpen"));
  exports.Set("sendPackets", Napi::Function::New(env, SendPackets, "sendPackets"));
  exports.Set("Poller", Poller::Init(env));
  return exports;
}

}  // namespace

NODE_API_MODULE(tun, Init)
