// common/hex and common/digest: known answers from the standards, so a wrong byte order or a
// truncated digest cannot pass.
#include <gtest/gtest.h>

#include "common/digest.h"
#include "common/hex.h"

namespace fa::common {
namespace {

TEST(Hex, LowerCaseTwoDigitsPerByte) {
  const unsigned char bytes[] = {0x00, 0x0f, 0xa5, 0xff};
  EXPECT_EQ(toHex(bytes, sizeof bytes), "000fa5ff");
  EXPECT_EQ(toHex(std::string_view("\x01\x80", 2)), "0180");
  EXPECT_EQ(toHex(std::string_view()), "");
}

TEST(Hex, FromHexRoundTripsAndRefusesOtherText) {
  std::string bytes;
  ASSERT_TRUE(fromHex("000fa5ff", bytes));
  EXPECT_EQ(bytes, std::string("\x00\x0f\xa5\xff", 4));
  for (const char* bad : {"abc", "0g", "0F", "zz", " 0"}) {
    std::string untouched = "kept";
    EXPECT_FALSE(fromHex(bad, untouched)) << bad;
    EXPECT_EQ(untouched, "kept") << bad;  // a failed read leaves the output alone
  }
}

TEST(Digest, Sha256KnownAnswers) {
  // FIPS 180-2 appendix B.1 and the empty-string digest.
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256("abc").size(), 32u);
  EXPECT_EQ(toHex(sha256("abc")), sha256Hex("abc"));
}

TEST(Digest, HmacSha256KnownAnswers) {
  // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
  EXPECT_EQ(hmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // RFC 4231 test case 1: key 20 x 0x0b, data "Hi There".
  EXPECT_EQ(hmacSha256Hex(std::string(20, '\x0b'), "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  // The per-thread keyed context follows a change of key and back.
  EXPECT_EQ(hmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(hmacSha256("Jefe", "x").size(), 32u);
}

}  // namespace
}  // namespace fa::common
