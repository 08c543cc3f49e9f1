// SAS transport v5 (TS-140 layout): IBM System/370 doubles, the header records, NAMESTRs and the
// observation block. Known IBM encodings: 1.0 = 41 10 00.., 0.1 = 40 19 99 99 99 99 99 9A,
// -118.625 = C2 76 A0 00.. (the IBM hexadecimal floating-point textbook example).
#include <gtest/gtest.h>

#include "export/export_records.h"
#include "export/lb_dataset.h"
#include "export/xpt_writer.h"

namespace fa::test {
namespace {

using Bytes = std::array<unsigned char, 8>;

TEST(IbmDouble, KnownValues) {
  EXPECT_EQ(exports::ibmDouble(0.0), (Bytes{0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(exports::ibmDouble(1.0), (Bytes{0x41, 0x10, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(exports::ibmDouble(0.1), (Bytes{0x40, 0x19, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9A}));
  EXPECT_EQ(exports::ibmDouble(-118.625), (Bytes{0xC2, 0x76, 0xA0, 0, 0, 0, 0, 0}));
  // 20.52: IEEE 0x4034851EB851EB85, i.e. 0x14851EB851EB85 / 2^53 x 2^5. IBM: 16^2 (exponent
  // byte 64 + 2 = 0x42) x fraction; 2^5 = 16^2 x 2^-3 takes all 3 spare bits, so the 56-bit
  // fraction is the 53-bit mantissa unshifted: 14 85 1E B8 51 EB 85.
  EXPECT_EQ(exports::ibmDouble(20.52), (Bytes{0x42, 0x14, 0x85, 0x1E, 0xB8, 0x51, 0xEB, 0x85}));
  EXPECT_THROW(exports::ibmDouble(1e300), exports::XptError);
  EXPECT_EQ(exports::ibmDouble(1e-300), (Bytes{0, 0, 0, 0, 0, 0, 0, 0}));  // below 16^-65: zero
}

TEST(SasDateTime, Format) {
  // 2026-12-02T01:30:05Z: day 20789 (20454 + 335) x 86400 + 5405 s.
  EXPECT_EQ(exports::sasDateTime(20789LL * 86400 + 5405), "02DEC26:01:30:05");
}

exports::XptDataset smallDataset() {
  return {
      "LB", "Laboratory Test Results", {{"USUBJID", "Unique Subject Identifier", false, 5}, {"LBSTRESN", "Numeric", true, 8}}};
}

TEST(Xpt, LayoutOfHeadersNamestrsAndObservations) {
  const std::string x = exports::writeXpt(smallDataset(), {{"S01", "1"}, {"S02", ""}}, "02DEC26:01:30:05");
  // 8 header records (640 bytes), 2 NAMESTRs of 140 padded to 320, the OBS header (80), then two
  // 13-byte observations padded to 80: 640 + 320 + 80 + 80 = 1120.
  ASSERT_EQ(x.size(), 1120u);
  EXPECT_EQ(x.substr(0, 80), "HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!000000000000000000000000000000  ");
  EXPECT_EQ(x.substr(80, 24), "SAS     SAS     SASLIB  ");
  EXPECT_EQ(x.substr(144, 16), "02DEC26:01:30:05");
  EXPECT_EQ(x.substr(320, 80), "HEADER RECORD*******DSCRPTR HEADER RECORD!!!!!!!000000000000000000000000000000  ");
  EXPECT_EQ(x.substr(400 + 8, 8), "LB      ");
  EXPECT_EQ(x.substr(480 + 32, 40), "Laboratory Test Results                 ");
  EXPECT_EQ(x.substr(560 + 54, 4), "0002");  // variable count
  // First NAMESTR at 640: type 2 (char), length 5, number 1, name, label; position 0.
  EXPECT_EQ(x.substr(640, 8), std::string("\x00\x02\x00\x00\x00\x05\x00\x01", 8));
  EXPECT_EQ(x.substr(648, 8), "USUBJID ");
  // Second NAMESTR at 780: type 1, length 8, number 2, npos (offset 84) = 5.
  EXPECT_EQ(x.substr(780, 8), std::string("\x00\x01\x00\x00\x00\x08\x00\x02", 8));
  EXPECT_EQ(x.substr(780 + 84, 4), std::string("\x00\x00\x00\x05", 4));
  EXPECT_EQ(x.substr(920, 40), std::string(40, ' '));  // NAMESTR block padding
  EXPECT_EQ(x.substr(960, 80), "HEADER RECORD*******OBS     HEADER RECORD!!!!!!!000000000000000000000000000000  ");
  EXPECT_EQ(x.substr(1040, 13), std::string("S01  \x41\x10\x00\x00\x00\x00\x00\x00", 13));
  EXPECT_EQ(x.substr(1053, 13), std::string("S02  \x2E\x00\x00\x00\x00\x00\x00\x00", 13));  // missing
  EXPECT_EQ(x.substr(1066), std::string(54, ' '));
}

TEST(Xpt, RefusesWhatVersionFiveCannotHold) {
  auto d = smallDataset();
  d.variables[0].name = "USUBJID12";
  EXPECT_THROW(exports::writeXpt(d, {}, ""), exports::XptError);
  d = smallDataset();
  d.variables[0].label = std::string(41, 'x');
  EXPECT_THROW(exports::writeXpt(d, {}, ""), exports::XptError);
  d = smallDataset();
  d.variables[0].length = 201;
  EXPECT_THROW(exports::writeXpt(d, {}, ""), exports::XptError);
  EXPECT_THROW(exports::writeXpt(smallDataset(), {{"S0123", "x"}}, ""), exports::XptError);   // not a number
  EXPECT_THROW(exports::writeXpt(smallDataset(), {{"S01234", "1"}}, ""), exports::XptError);  // longer than 5
}

TEST(Xpt, LbFileHasEveryVariableWithItsLength) {
  engine::OutcomeRecords records;
  records.push_back(RecordBuilder("S01", "BILI", "b1").on("2026-01-01", 1, "BASELINE").value("20.52", "1.20", "mg/dL"));
  const auto lb = exports::buildLbDataset(records, *defaultConfig(), {});
  const std::string x = exports::lbXpt(lb, "02DEC26:01:30:05");
  EXPECT_EQ(x.substr(560 + 54, 4), "0028");
  // 28 NAMESTRs = 3920 bytes = 49 records exactly; the OBS header follows at 640 + 3920.
  EXPECT_EQ(x.substr(640 + 3920, 20), "HEADER RECORD*******");
  EXPECT_EQ(x.size() % 80, 0u);
}

}  // namespace
}  // namespace fa::test
