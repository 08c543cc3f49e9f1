#pragma once
// A throw-away PKI for the TLS tests, generated with OpenSSL APIs at test time into a temporary
// directory (removed at exit): no private key is ever committed.
//
//   ca            dev CA that the client trusts
//   server        signed by ca, SAN DNS:localhost, IP:127.0.0.1
//   wrong_name    signed by ca, SAN DNS:wrong.example only
//   client        signed by ca, extendedKeyUsage clientAuth (mTLS)
//   rogue_server  signed by rogue_ca, which the client does not trust; same SANs as server
//
// Keys are EC P-256: generating them takes milliseconds, unlike RSA.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace fa::net::test {

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct X509Deleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

inline PkeyPtr generateKey(const char* kind, const char* curve_or_null, std::size_t rsa_bits = 2048) {
  EVP_PKEY* key = curve_or_null ? EVP_PKEY_Q_keygen(nullptr, nullptr, kind, curve_or_null)
                                : EVP_PKEY_Q_keygen(nullptr, nullptr, kind, rsa_bits);
  if (!key) throw std::runtime_error("key generation failed");
  return PkeyPtr(key);
}

inline void addExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) throw std::runtime_error("bad certificate extension " + value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// issuer == nullptr: self-signed CA.
inline X509Ptr makeCertificate(const std::string& common_name, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key, bool is_ca,
                               const std::string& san, const std::string& extended_usage) {
  static long serial = 1000;
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), ++serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
  X509* signer = issuer ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  addExtension(cert.get(), signer, NID_basic_constraints, is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  addExtension(cert.get(), signer, NID_key_usage, is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  addExtension(cert.get(), signer, NID_subject_key_identifier, "hash");
  if (issuer) addExtension(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
  if (!san.empty()) addExtension(cert.get(), signer, NID_subject_alt_name, san);
  if (!extended_usage.empty()) addExtension(cert.get(), signer, NID_ext_key_usage, extended_usage);
  if (X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_sha256()) == 0) throw std::runtime_error("signing failed");
  return cert;
}

inline void writeCertificate(const std::filesystem::path& path, X509* cert) {
  std::unique_ptr<BIO, decltype(&BIO_free)> out(BIO_new_file(path.c_str(), "w"), &BIO_free);
  if (!out || PEM_write_bio_X509(out.get(), cert) != 1) throw std::runtime_error("cannot write " + path.string());
}

inline void writePrivateKey(const std::filesystem::path& path, EVP_PKEY* key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> out(BIO_new_file(path.c_str(), "w"), &BIO_free);
  if (!out || PEM_write_bio_PrivateKey(out.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    throw std::runtime_error("cannot write " + path.string());
  }
}

struct TestPki {
  std::filesystem::path dir;
  std::string ca_cert;
  std::string server_cert, server_key;
  std::string wrong_name_cert, wrong_name_key;
  std::string client_cert, client_key;
  std::string rogue_server_cert, rogue_server_key;

  std::string file(const std::string& name) const { return (dir / name).string(); }
};

// A fresh temporary directory, removed when the test binary exits.
inline std::filesystem::path makeTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "fa-net-test-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  struct Cleanup {
    std::vector<std::filesystem::path> dirs;
    ~Cleanup() {
      for (const auto& d : dirs) {
        std::error_code ignored;
        std::filesystem::remove_all(d, ignored);
      }
    }
  };
  static Cleanup cleanup;
  cleanup.dirs.emplace_back(pattern);
  return pattern;
}

inline const TestPki& testPki() {
  static const TestPki pki = [] {
    TestPki p;
    p.dir = makeTempDir();
    auto ca_key = generateKey("EC", "P-256");
    auto ca = makeCertificate("fa test CA", ca_key.get(), nullptr, nullptr, true, "", "");
    auto rogue_key = generateKey("EC", "P-256");
    auto rogue = makeCertificate("rogue CA", rogue_key.get(), nullptr, nullptr, true, "", "");

    auto issue = [&](const std::string& stem, const std::string& cn, X509* issuer, EVP_PKEY* issuer_key, const std::string& san,
                     const std::string& usage, std::string& cert_path, std::string& key_path) {
      auto key = generateKey("EC", "P-256");
      auto cert = makeCertificate(cn, key.get(), issuer, issuer_key, false, san, usage);
      cert_path = p.file(stem + ".crt");
      key_path = p.file(stem + ".key");
      writeCertificate(cert_path, cert.get());
      writePrivateKey(key_path, key.get());
    };
    p.ca_cert = p.file("ca.crt");
    writeCertificate(p.ca_cert, ca.get());
    issue("server", "localhost", ca.get(), ca_key.get(), "DNS:localhost,IP:127.0.0.1", "serverAuth", p.server_cert, p.server_key);
    issue("wrong-name", "wrong.example", ca.get(), ca_key.get(), "DNS:wrong.example", "serverAuth", p.wrong_name_cert,
          p.wrong_name_key);
    issue("client", "fa-test-client", ca.get(), ca_key.get(), "", "clientAuth", p.client_cert, p.client_key);
    issue("rogue-server", "localhost", rogue.get(), rogue_key.get(), "DNS:localhost,IP:127.0.0.1", "serverAuth",
          p.rogue_server_cert, p.rogue_server_key);
    return p;
  }();
  return pki;
}

}  // namespace fa::net::test
