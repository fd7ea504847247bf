// Data-channel AEAD addon for openvpn3-ts (spec §13.2; shared guide libraries.md §3).
//
// One OpenSSL EVP cipher context per key and direction, created once and re-used for every
// packet: a packet only re-initialises the nonce (EVP_CipherInit_ex with the IV alone), feeds the
// AAD and the payload and finishes with the tag, all inside one N-API call. The OpenSSL is the
// one inside the running Node (the node binary exports the EVP symbols), so nothing else is
// linked.
//
// Exports:
//   new Context(cipher, key, implicitIv, encrypt)
//       cipher 0 AES-128-GCM, 1 AES-192-GCM, 2 AES-256-GCM, 3 CHACHA20-POLY1305;
//       key: exactly the cipher's key length; implicitIv: at least 8 bytes (the first 8 are used)
//   ctx.seal(out, header, packetId, payload) -> bytes written (header+4+16+payload length)
//       writes header || packet id || tag || ciphertext into `out` (at least that long);
//       nonce = packet id (4, big-endian) || implicit IV (8);
//       AAD = header || packet id when the header is 4 bytes (P_DATA_V2), packet id alone otherwise
//   ctx.open(packet, headerLength, plaintextOut) -> boolean
//       verifies and decrypts packet[headerLength+20..] into plaintextOut (exactly that long);
//       false on a wrong tag or inconsistent lengths (plaintextOut is then zeroed)
//   ctx.sealBatch(outs, header, firstPacketId, payloads) -> number of packets sealed
//   ctx.destroy()  frees the context now (also done when the object is garbage-collected)
//
// Key material: the key is handed to OpenSSL at construction and never kept here; the context
// is freed with EVP_CIPHER_CTX_free (the providers clear their key schedules when freed) and the
// implicit IV / nonce copy is wiped with OPENSSL_cleanse. Nothing here throws for hostile packet
// contents: length problems and tag failures are a `false` result.

#include <napi.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <cstdint>
#include <cstring>

namespace {

constexpr size_t kTagLength = 16;
constexpr size_t kPacketIdLength = 4;
constexpr size_t kNonceLength = 12;
constexpr size_t kImplicitIvLength = 8;
constexpr size_t kDataV2HeaderLength = 4;
// Payloads larger than this are refused (EVP lengths are int; data packets are far smaller).
constexpr size_t kMaxPayload = 1u << 24;

struct CipherSpec {
  const EVP_CIPHER* (*make)();
  size_t keyLength;
};

const CipherSpec kCiphers[] = {
    {EVP_aes_128_gcm, 16},
    {EVP_aes_192_gcm, 24},
    {EVP_aes_256_gcm, 32},
    {EVP_chacha20_poly1305, 32},
};

bool BufferArg(napi_env env, napi_value v, uint8_t** data, size_t* len) {
  void* d = nullptr;
  if (napi_get_buffer_info(env, v, &d, len) != napi_ok) return false;
  *data = static_cast<uint8_t*>(d);
  return true;
}

void WriteU32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

class Context : public Napi::ObjectWrap<Context> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Context",
                       {
                           InstanceMethod<&Context::Seal>("seal"),
                           InstanceMethod<&Context::Open>("open"),
                           InstanceMethod<&Context::SealBatch>("sealBatch"),
                           InstanceMethod<&Context::Destroy>("destroy"),
                       });
  }

  explicit Context(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Context>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 4 || !info[0].IsNumber() || !info[3].IsBoolean()) {
      Napi::TypeError::New(env, "Context(cipher, key, implicitIv, encrypt)")
          .ThrowAsJavaScriptException();
      return;
    }
    uint32_t id = info[0].As<Napi::Number>().Uint32Value();
    if (id >= sizeof(kCiphers) / sizeof(kCiphers[0])) {
      Napi::RangeError::New(env, "unknown cipher id").ThrowAsJavaScriptException();
      return;
    }
    uint8_t* key = nullptr;
    size_t keyLen = 0;
    uint8_t* iv = nullptr;
    size_t ivLen = 0;
    if (!BufferArg(env, info[1], &key, &keyLen) || !BufferArg(env, info[2], &iv, &ivLen)) {
      Napi::TypeError::New(env, "key and implicitIv must be Buffers").ThrowAsJavaScriptException();
      return;
    }
    if (keyLen != kCiphers[id].keyLength || ivLen < kImplicitIvLength) {
      Napi::RangeError::New(env, "wrong key or implicit IV length").ThrowAsJavaScriptException();
      return;
    }
    encrypt_ = info[3].As<Napi::Boolean>().Value();
    const int enc = encrypt_ ? 1 : 0;
    ctx_ = EVP_CIPHER_CTX_new();
    bool ok = ctx_ != nullptr &&
              EVP_CipherInit_ex(ctx_, kCiphers[id].make(), nullptr, nullptr, nullptr, enc) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_AEAD_SET_IVLEN, kNonceLength, nullptr) == 1 &&
              EVP_CipherInit_ex(ctx_, nullptr, nullptr, key, nullptr, enc) == 1;
    if (!ok) {
      Free();
      ERR_clear_error();
      Napi::Error::New(env, "OpenSSL cipher context setup failed").ThrowAsJavaScriptException();
      return;
    }
    std::memcpy(nonce_ + kPacketIdLength, iv, kImplicitIvLength);
  }

  ~Context() override { Free(); }

 private:
  void Free() {
    if (ctx_ != nullptr) EVP_CIPHER_CTX_free(ctx_);
    ctx_ = nullptr;
    OPENSSL_cleanse(nonce_, sizeof nonce_);
  }

  // Seals one packet; `out` has room for hl + 20 + len bytes (checked by the callers).
  bool SealOne(uint8_t* out, const uint8_t* header, size_t hl, uint32_t pid,
               const uint8_t* payload, size_t len) {
    if (hl != 0) std::memmove(out, header, hl);
    WriteU32(out + hl, pid);
    WriteU32(nonce_, pid);
    const size_t aadStart = hl == kDataV2HeaderLength ? 0 : hl;
    uint8_t* ct = out + hl + kPacketIdLength + kTagLength;
    int n = 0;
    int fin = 0;
    if (EVP_CipherInit_ex(ctx_, nullptr, nullptr, nullptr, nonce_, -1) != 1 ||
        EVP_CipherUpdate(ctx_, nullptr, &n, out + aadStart,
                         static_cast<int>(hl + kPacketIdLength - aadStart)) != 1 ||
        (len > 0 && EVP_CipherUpdate(ctx_, ct, &n, payload, static_cast<int>(len)) != 1) ||
        EVP_CipherFinal_ex(ctx_, ct + (len > 0 ? n : 0), &fin) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_AEAD_GET_TAG, kTagLength,
                            out + hl + kPacketIdLength) != 1) {
      ERR_clear_error();
      return false;
    }
    return true;
  }

  bool Usable(Napi::Env env, bool wantEncrypt) {
    if (ctx_ == nullptr) {
      Napi::Error::New(env, "context destroyed").ThrowAsJavaScriptException();
      return false;
    }
    if (encrypt_ != wantEncrypt) {
      Napi::Error::New(env, wantEncrypt ? "decrypt-only context" : "encrypt-only context")
          .ThrowAsJavaScriptException();
      return false;
    }
    return true;
  }

  Napi::Value Seal(const Napi::CallbackInfo& info) {
    napi_env env = info.Env();
    if (!Usable(info.Env(), true)) return info.Env().Undefined();
    uint8_t *out = nullptr, *header = nullptr, *payload = nullptr;
    size_t outLen = 0, hl = 0, len = 0;
    uint32_t pid = 0;
    if (info.Length() < 4 || !BufferArg(env, info[0], &out, &outLen) ||
        !BufferArg(env, info[1], &header, &hl) ||
        napi_get_value_uint32(env, info[2], &pid) != napi_ok ||
        !BufferArg(env, info[3], &payload, &len)) {
      Napi::TypeError::New(env, "seal(out, header, packetId, payload)")
          .ThrowAsJavaScriptException();
      return info.Env().Undefined();
    }
    const size_t total = hl + kPacketIdLength + kTagLength + len;
    if (len > kMaxPayload || hl > 64 || outLen < total) {
      Napi::RangeError::New(env, "seal: output too short").ThrowAsJavaScriptException();
      return info.Env().Undefined();
    }
    if (!SealOne(out, header, hl, pid, payload, len)) {
      Napi::Error::New(env, "seal: OpenSSL failure").ThrowAsJavaScriptException();
      return info.Env().Undefined();
    }
    return Napi::Number::New(env, static_cast<double>(total));
  }

  // sealBatch(outs: Buffer[], header, firstPacketId, payloads: Buffer[]) -> count
  // Packet i gets packet id firstPacketId + i; stops at the first unusable pair.
  Napi::Value SealBatch(const Napi::CallbackInfo& info) {
    napi_env env = info.Env();
    if (!Usable(info.Env(), true)) return info.Env().Undefined();
    uint8_t* header = nullptr;
    size_t hl = 0;
    uint32_t pid = 0;
    bool a = false, b = false;
    if (info.Length() < 4 || napi_is_array(env, info[0], &a) != napi_ok || !a ||
        napi_is_array(env, info[3], &b) != napi_ok || !b ||
        !BufferArg(env, info[1], &header, &hl) ||
        napi_get_value_uint32(env, info[2], &pid) != napi_ok || hl > 64) {
      Napi::TypeError::New(env, "sealBatch(outs, header, firstPacketId, payloads)")
          .ThrowAsJavaScriptException();
      return info.Env().Undefined();
    }
    uint32_t nOut = 0, nIn = 0;
    napi_get_array_length(env, info[0], &nOut);
    napi_get_array_length(env, info[3], &nIn);
    const uint32_t n = nOut < nIn ? nOut : nIn;
    uint32_t done = 0;
    for (; done < n; done++) {
      napi_value vo, vi;
      uint8_t *out = nullptr, *payload = nullptr;
      size_t outLen = 0, len = 0;
      if (napi_get_element(env, info[0], done, &vo) != napi_ok ||
          napi_get_element(env, info[3], done, &vi) != napi_ok ||
          !BufferArg(env, vo, &out, &outLen) || !BufferArg(env, vi, &payload, &len))
        break;
      if (len > kMaxPayload || outLen < hl + kPacketIdLength + kTagLength + len) break;
      if (!SealOne(out, header, hl, pid + done, payload, len)) break;
    }
    return Napi::Number::New(env, done);
  }

  Napi::Value Open(const Napi::CallbackInfo& info) {
    napi_env env = info.Env();
    if (!Usable(info.Env(), false)) return info.Env().Undefined();
    uint8_t *packet = nullptr, *pt = nullptr;
    size_t len = 0, ptLen = 0;
    uint32_t hl = 0;
    if (info.Length() < 3 || !BufferArg(env, info[0], &packet, &len) ||
        napi_get_value_uint32(env, info[1], &hl) != napi_ok ||
        !BufferArg(env, info[2], &pt, &ptLen)) {
      Napi::TypeError::New(env, "open(packet, headerLength, plaintextOut)")
          .ThrowAsJavaScriptException();
      return info.Env().Undefined();
    }
    bool ok = false;
    if (hl <= 64 && len >= hl + kPacketIdLength + kTagLength &&
        ptLen == len - hl - kPacketIdLength - kTagLength && ptLen <= kMaxPayload) {
      std::memcpy(nonce_, packet + hl, kPacketIdLength);
      // The tag is copied: OpenSSL's SET_TAG takes a non-const pointer.
      uint8_t tag[kTagLength];
      std::memcpy(tag, packet + hl + kPacketIdLength, kTagLength);
      const uint8_t* ct = packet + hl + kPacketIdLength + kTagLength;
      const size_t aadStart = hl == kDataV2HeaderLength ? 0 : hl;
      int n = 0;
      int fin = 0;
      ok = EVP_CipherInit_ex(ctx_, nullptr, nullptr, nullptr, nonce_, -1) == 1 &&
           EVP_CipherUpdate(ctx_, nullptr, &n, packet + aadStart,
                            static_cast<int>(hl + kPacketIdLength - aadStart)) == 1 &&
           (ptLen == 0 || EVP_CipherUpdate(ctx_, pt, &n, ct, static_cast<int>(ptLen)) == 1) &&
           EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_AEAD_SET_TAG, kTagLength, tag) == 1 &&
           EVP_CipherFinal_ex(ctx_, pt + (ptLen > 0 ? n : 0), &fin) == 1;
      if (!ok) ERR_clear_error();
    }
    // No unauthenticated plaintext leaves this function.
    if (!ok && ptLen > 0) OPENSSL_cleanse(pt, ptLen);
    return Napi::Boolean::New(env, ok);
  }

  Napi::Value Destroy(const Napi::CallbackInfo& info) {
    Free();
    return info.Env().Undefined();
  }

  EVP_CIPHER_CTX* ctx_ = nullptr;
  bool encrypt_ = true;
  // packet id (written per packet) || implicit IV
  uint8_t nonce_[kNonceLength] = {};
};

Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  exports.Set("Context", Context::Init(env));
  exports.Set("openssl", Napi::String::New(env, OpenSSL_version(OPENSSL_VERSION)));
  return exports;
}

}  // namespace

NODE_API_MODULE(aead, InitModule)
