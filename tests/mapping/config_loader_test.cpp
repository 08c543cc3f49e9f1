// Loading fhir-mappings/: the repository's defaults encode docs/trial-rules.md, and every broken copy
// is refused with the file and JSON path (or line) of each problem.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <tuple>

#include "support/default_config.h"
#include "support/mappings_copy.h"

namespace fa::test {
namespace {

TEST(DefaultMappings, TrialAndTimeZone) {
  auto config = defaultConfig();
  EXPECT_EQ(config->trial_id, "NCT05106972");
  EXPECT_EQ(config->time_zone_name, "Asia/Shanghai");
  EXPECT_EQ(config->time_zone.name(), "Asia/Shanghai");
  EXPECT_EQ(config->time_zone.offsetSecondsAt(1'767'225'600), 8 * 3600);  // 2026-01-01T00:00Z: UTC+8
  EXPECT_EQ(config->content_hash.size(), 64u);
}

TEST(DefaultMappings, VisitScheduleAsProtocolTable) {
  struct Row {
    const char* name;
    int target, first, last;
  };
  const Row rows[] = {{"BASELINE", 1, -28, 1}, {"W4", 29, 22, 36},     {"W12", 85, 78, 92},    {"W24", 169, 162, 176},
                      {"W36", 253, 239, 267},  {"W48", 337, 323, 351}, {"W60", 421, 407, 435}, {"W72", 505, 491, 519}};
  const auto& windows = defaultConfig()->visits.windows();
  ASSERT_EQ(windows.size(), 8u);
  for (std::size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(windows[i].name, rows[i].name);
    EXPECT_EQ(windows[i].target_day, rows[i].target) << rows[i].name;
    EXPECT_EQ(windows[i].first_day, rows[i].first) << rows[i].name;
    EXPECT_EQ(windows[i].last_day, rows[i].last) << rows[i].name;
    EXPECT_EQ(windows[i].baseline, i == 0) << rows[i].name;
  }
}

TEST(DefaultMappings, AnalytesAndStandardUnits) {
  const std::vector<std::pair<const char*, const char*>> expected = {
      {"BILI", "umol/L"},    {"ALB", "g/L"},     {"PT", "s"},     {"INR", "1"},   {"PTA", "%"},
      {"APTT", "s"},         {"FIBRINO", "g/L"}, {"IGG", "g/L"},  {"IGA", "g/L"}, {"IGM", "g/L"},
      {"HBVDNA", "[IU]/mL"}, {"CREA", "umol/L"}, {"NA", "mmol/L"}};  // CREA and NA last: the supporting analytes
  EXPECT_EQ(defaultConfig()->analytes.size(), expected.size());
  for (const auto& [code, unit] : expected)
    EXPECT_EQ(defaultAnalyte(code).standard_unit, unit) << code;
  EXPECT_EQ(defaultAnalyte("HBVDNA").flag_rule, core::FlagRule::QuantifiedAtOrAboveHigh);
  EXPECT_EQ(defaultAnalyte("BILI").flag_rule, core::FlagRule::InclusiveRange);
}

TEST(DefaultMappings, HbvLloqAndNotDetected) {
  const auto& hbv = defaultAnalyte("HBVDNA");
  ASSERT_TRUE(hbv.protocol_range.has_value());
  EXPECT_FALSE(hbv.protocol_range->low.has_value());
  EXPECT_EQ(hbv.protocol_range->high, core::Decimal::parse("20"));
  ASSERT_TRUE(hbv.not_detected.has_value());
  EXPECT_EQ(hbv.not_detected->flag, core::Flag::Normal);
  ASSERT_FALSE(hbv.not_detected->codings.empty());
  EXPECT_EQ(hbv.not_detected->codings[0].code, "260415000");
}

TEST(DefaultMappings, NotDetectedTextsNormalised) {
  // The decided list (docs/trial-rules.md "Value shapes"), stored trimmed and lower case.
  const auto& texts = defaultAnalyte("HBVDNA").not_detected->texts;
  for (const char* t : {"target not detected", "not detected", "not detectable", "undetectable", "undetected", "tnd", "negative"})
    EXPECT_NE(std::find(texts.begin(), texts.end(), t), texts.end()) << t;
}

TEST(DefaultMappings, SupportingAnalytesNeverGradedOrCounted) {
  // CREA 57-111 umol/L, NA 137-147 mmol/L; no CTCAE criterion and no outcome names them.
  for (const auto& [code, low, high] : {std::tuple{"CREA", "57", "111"}, std::tuple{"NA", "137", "147"}}) {
    const auto& a = defaultAnalyte(code);
    ASSERT_TRUE(a.protocol_range.has_value()) << code;
    EXPECT_EQ(a.protocol_range->low, core::Decimal::parse(low)) << code;
    EXPECT_EQ(a.protocol_range->high, core::Decimal::parse(high)) << code;
    EXPECT_FALSE(a.ctcae.has_value()) << code;
    const std::size_t index = *defaultConfig()->analyteIndex(code);
    for (const auto& outcome : defaultConfig()->outcomes)
      for (const auto& condition : outcome.abnormal_when)
        EXPECT_NE(condition.analyte, index) << code << " in " << outcome.id;
  }
  EXPECT_EQ(defaultConfig()->analyteForCoding("http://loinc.org", "38483-4")->code, "CREA");
  EXPECT_EQ(defaultConfig()->analyteForCoding("http://loinc.org", "2947-0")->code, "NA");
}

TEST(DefaultMappings, OutcomesAsProtocol) {
  const auto& outcomes = defaultConfig()->outcomes;
  ASSERT_EQ(outcomes.size(), 5u);
  auto analyteOf = [](std::size_t i) { return defaultConfig()->analytes[i].code; };
  EXPECT_EQ(analyteOf(outcomes[0].abnormal_when.at(0).analyte), "BILI");
  EXPECT_EQ(outcomes[0].abnormal_when[0].flags, (std::vector<core::Flag>{core::Flag::High}));
  EXPECT_EQ(analyteOf(outcomes[1].abnormal_when.at(0).analyte), "ALB");
  EXPECT_EQ(outcomes[1].abnormal_when[0].flags, (std::vector<core::Flag>{core::Flag::Low}));
  ASSERT_EQ(outcomes[2].abnormal_when.size(), 5u);  // PT, INR, APTT high; PTA, FIBRINO low
  EXPECT_EQ(analyteOf(outcomes[2].abnormal_when[3].analyte), "PTA");
  EXPECT_EQ(outcomes[2].abnormal_when[3].flags, (std::vector<core::Flag>{core::Flag::Low}));
  EXPECT_EQ(outcomes[3].abnormal_when.size(), 3u);  // IGG, IGA, IGM either side
  EXPECT_EQ(outcomes[3].abnormal_when[0].flags.size(), 2u);
  EXPECT_EQ(analyteOf(outcomes[4].abnormal_when.at(0).analyte), "HBVDNA");
}

TEST(DefaultMappings, NoModifierExtensionAccepted) {
  EXPECT_TRUE(defaultConfig()->accepted_modifier_extensions.empty());
}

// ---- broken copies ----

std::vector<std::string> problemsOf(const MappingsCopy& copy) {
  try {
    copy.load();
  } catch (const mapping::ConfigError& e) {
    return e.problems();
  }
  ADD_FAILURE() << "the broken mappings loaded";
  return {};
}

bool anyContains(const std::vector<std::string>& problems, const std::string& a, const std::string& b) {
  for (const auto& p : problems) {
    if (p.find(a) != std::string::npos && p.find(b) != std::string::npos) return true;
  }
  return false;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v)
    out += s + "\n";
  return out;
}

TEST(BrokenMappings, CopyLoadsUnchanged) {
  MappingsCopy copy;
  EXPECT_EQ(copy.load()->content_hash, defaultConfig()->content_hash);
}

TEST(BrokenMappings, ContentHashFollowsTheFiles) {
  MappingsCopy copy;
  copy.replace("analytes.json", "\"copies_per_iu\": 5.82", "\"copies_per_iu\": 5.0");
  EXPECT_NE(copy.load()->content_hash, defaultConfig()->content_hash);
}

TEST(BrokenMappings, InvalidJsonNamesFileAndLine) {
  MappingsCopy copy;
  copy.replace("trial.json", "\"doses\": 2,", "\"doses\": 2,,");
  auto p = problemsOf(copy);
  EXPECT_TRUE(anyContains(p, copy.path("trial.json"), "line ")) << joined(p);
}

// 100,000 levels where a unit's factor belongs. Before the nesting limit, RapidJSON's schema
// validator visited every open level for each value under the factor's oneOf: quadratic (at
// 40,000 levels, 2.3 s of CPU and 12.9 s on the busy build machine; about 14 s of CPU at 100,000).
// Now the text is refused before any parse, in one pass. The prefix opens 5 levels
// ({ [ { [ {) in 41 bytes, so the 257th level is the 252nd '[', at offset 41 + 251: column 293.
// CPU time, so a busy machine does not matter.
TEST(BrokenMappings, DeepNestingIsRefusedAtOnceWithLineAndColumn) {
  MappingsCopy copy;
  constexpr std::size_t kDeep = 100'000;
  copy.write("analytes.json",
             R"({"analytes": [{"units": [{"multiply_by": )" + std::string(kDeep, '[') + std::string(kDeep, ']') + "}]}]}");
  const std::clock_t start = std::clock();
  auto p = problemsOf(copy);
  const double seconds = static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
  ASSERT_EQ(p.size(), 1u) << joined(p);
  EXPECT_EQ(p[0], copy.path("analytes.json") + ": line 1 column 293: not valid JSON: nested deeper than 256 levels");
  EXPECT_LT(seconds, 1.0);
  std::printf("%s: %.3f s CPU\n", "mappings nested 100,000 deep", seconds);  // the figure README.md reports
}

// A number beyond the 64-bit range where the schema checks an enum: RapidJSON's validator
// hashed it by a cast with undefined behaviour (fuzz/regressions/mappings/). Refused first, with
// its path: criterion 0, grade 0 (the first `beyond`), its only threshold's `times` or `factor`.
// -1e19 is below -2^63 (about -9.22e18), so the negative side is refused too.
TEST(BrokenMappings, NumberBeyondInt64IsRefusedBeforeTheSchema) {
  const struct {
    const char* threshold;
    const char* path;
  } cases[] = {{"\"times\": 1e32, \"factor\": 1.0", "/criteria/0/grades/0/beyond/0/times"},
               {"\"times\": \"ULN\", \"factor\": -1e19", "/criteria/0/grades/0/beyond/0/factor"}};
  for (const auto& c : cases) {
    MappingsCopy copy;
    copy.replace("ctcae.json", "\"times\": \"ULN\", \"factor\": 1.0", c.threshold);
    auto p = problemsOf(copy);
    ASSERT_EQ(p.size(), 1u) << joined(p);
    EXPECT_EQ(p[0], copy.path("ctcae.json") + ": " + c.path + ": number out of range (magnitude 2^63 or more)");
  }
}

TEST(BrokenMappings, MissingFile) {
  MappingsCopy copy;
  std::filesystem::remove(copy.dir() / "ctcae.json");
  auto p = problemsOf(copy);
  EXPECT_TRUE(anyContains(p, copy.path("ctcae.json"), "cannot be read")) << joined(p);
}

TEST(BrokenMappings, SchemaViolationNamesJsonPath) {
  MappingsCopy copy;
  copy.replace("trial.json", "\"target_day\": 29,", "\"target_day\": \"29\",");
  auto p = problemsOf(copy);
  EXPECT_TRUE(anyContains(p, copy.path("trial.json"), "/visits/1")) << joined(p);
}

TEST(BrokenMappings, OverlappingWindows) {
  MappingsCopy copy;
  copy.replace("trial.json", "\"first_day\": 22,", "\"first_day\": 1,");  // W4 from day 1 overlaps BASELINE
  auto p = problemsOf(copy);
  EXPECT_TRUE(anyContains(p, copy.path("trial.json"), "/visits/1")) << joined(p);
  EXPECT_TRUE(anyContains(p, "overlaps", "BASELINE")) << joined(p);
}

TEST(BrokenMappings, StudyDayZero) {
  MappingsCopy copy;
  copy.replace("trial.json", "\"last_day\": 1,", "\"last_day\": 0,");
  auto p = problemsOf(copy);
  EXPECT_TRUE(anyContains(p, copy.path("trial.json"), "/visits/0")) << joined(p);
}

TEST(BrokenMappings, TwoBaselines) {
  MappingsCopy copy;
  copy.replace("trial.json", "\"last_day\": 36 }", "\"last_day\": 36, \"baseline\": true }");
  auto p = problemsOf(copy);
  EXPECT_TRUE(anyContains(p, copy.path("trial.json"), "/visits")) << joined(p);
}

TEST(BrokenMappings, BadUtcOffset) {
  MappingsCopy copy;
  copy.replace("trial.json", "\"name\": \"Asia/Shanghai\"", "\"name\": \"Asia/Shanghai\", \"utc_offset\": \"+8\"");
  auto p = problemsOf(copy);
  EXPECT_TRUE(anyContains(p, copy.path("trial.json"), "/time_zone/utc_offset")) << joined(p);
}

TEST(BrokenMappings, UnknownParameterInFactor) {
  MappingsCopy copy;
  copy.replace("analytes.json", "\"divide_by\": \"copies_per_iu\" }", "\"divide_by\": \"copies_per_ui\" }");
  auto p = problemsOf(copy);
  EXPECT_TRUE(anyContains(p, copy.path("analytes.json"), "/analytes/10/units/1/divide_by")) << joined(p);
}

TEST(BrokenMappings, CodeClaimedByTwoAnalytes) {
  MappingsCopy copy;
  copy.replace("analytes.json", "{ \"system\": \"http://loinc.org\", \"code\": \"1751-7\" }",
               "{ \"system\": \"http://loinc.org\", \"code\": \"1975-2\" }");
  auto p = problemsOf(copy);
  EXPECT_TRUE(anyContains(p, copy.path("analytes.json"), "/analytes/1/codings/0")) << joined(p);
}

TEST(BrokenMappings, UnitSpellingListedTwice) {
  MappingsCopy copy;
  copy.replace("analytes.json", "{ \"spellings\": [\"mg/L\"], \"multiply_by\": 1.71 }",
               "{ \"spellings\": [\"MG/DL\"], \"multiply_by\": 1.71 }");
  auto p = problemsOf(copy);
  EXPECT_TRUE(anyContains(p, copy.path("analytes.json"), "/analytes/0/units/2/spellings/0")) << joined(p);
}

TEST(BrokenMappings, RangeLowAboveHigh) {
  MappingsCopy copy;
  copy.replace("ranges.json", "\"low\": 3.4,  \"high\": 20.5", "\"low\": 30.4,  \"high\": 20.5");
  auto p = problemsOf(copy);
  EXPECT_TRUE(anyContains(p, copy.path("ranges.json"), "/protocol_defaults/0")) << joined(p);
}

TEST(BrokenMappings, RangeForUnknownAnalyteAndUnit) {
  MappingsCopy copy;
  copy.replace("ranges.json", "\"site\": []",
               "\"site\": [{ \"analyte\": \"GLU\", \"high\": 6 }, { \"analyte\": \"ALB\", \"low\": 3.5, \"unit\": \"mmol/L\" }]");
  auto p = problemsOf(copy);
  EXPECT_TRUE(anyContains(p, copy.path("ranges.json"), "/site/0/analyte")) << joined(p);
  EXPECT_TRUE(anyContains(p, copy.path("ranges.json"), "/site/1/unit")) << joined(p);
}

TEST(BrokenMappings, SecondSiteRangeForSameKey) {
  MappingsCopy copy;
  copy.replace("ranges.json", "\"site\": []",
               "\"site\": [{ \"analyte\": \"ALB\", \"low\": 35 }, { \"analyte\": \"ALB\", \"low\": 36 }]");
  auto p = problemsOf(copy);
  EXPECT_TRUE(anyContains(p, copy.path("ranges.json"), "/site/1")) << joined(p);
}

TEST(BrokenMappings, CtcaeForUnknownAnalyteAndBaselineOutsideRule) {
  MappingsCopy copy;
  copy.replace("ctcae.json", "\"analyte\": \"INR\"", "\"analyte\": \"XINR\"");
  copy.replace("ctcae.json", "{ \"grade\": 1, \"beyond\": [ { \"times\": \"ULN\", \"factor\": 1.0 } ] },",
               "{ \"grade\": 1, \"beyond\": [ { \"times\": \"baseline\", \"factor\": 1.0 } ] },");
  auto p = problemsOf(copy);
  EXPECT_TRUE(anyContains(p, copy.path("ctcae.json"), "/criteria/2/analyte")) << joined(p);
  EXPECT_TRUE(anyContains(p, copy.path("ctcae.json"), "/criteria/0/grades/0/beyond/0")) << joined(p);
}

TEST(BrokenMappings, OutcomeNamingUnknownAnalyte) {
  MappingsCopy copy;
  copy.replace("outcomes.json", "{ \"analyte\": \"BILI\", \"flags\": [\"high\"] }",
               "{ \"analyte\": \"TBIL\", \"flags\": [\"high\"] }");
  auto p = problemsOf(copy);
  EXPECT_TRUE(anyContains(p, copy.path("outcomes.json"), "/outcomes/0/abnormal_when/0/analyte")) << joined(p);
}

TEST(BrokenMappings, EveryProblemReportedAtOnce) {
  MappingsCopy copy;
  copy.replace("trial.json", "\"name\": \"Asia/Shanghai\"", "\"name\": \"Asia/Shanghai\", \"utc_offset\": \"+8\"");
  copy.replace("analytes.json", "\"flag_rule\": \"inclusive_range\"", "\"flag_rule\": \"sometimes\"");
  auto p = problemsOf(copy);
  // One schema problem per file, both files named in the same report.
  EXPECT_TRUE(anyContains(p, copy.path("trial.json"), "/time_zone/utc_offset")) << joined(p);
  EXPECT_TRUE(anyContains(p, copy.path("analytes.json"), "/analytes/0/flag_rule")) << joined(p);
}

TEST(BrokenMappings, NotAFolder) {
  EXPECT_THROW(mapping::loadTrialConfig(std::filesystem::path(FA_SOURCE_DIR) / "no-such-mappings"), mapping::ConfigError);
}

}  // namespace
}  // namespace fa::test

namespace fa::test {
namespace {

TEST(DefaultMappings, AlbuminInfusionCodings) {
  // trial.json screening_checks.albumin_infusion_codings: ATC B05AA01 (human albumin).
  const auto& codes = defaultConfig()->albumin_infusion_codings;
  ASSERT_EQ(codes.size(), 1u);
  EXPECT_EQ(codes[0].system, "http://www.whocc.no/atc");
  EXPECT_EQ(codes[0].code, "B05AA01");
}

TEST(BrokenMappings, AlbuminCodeListedTwice) {
  MappingsCopy copy;
  copy.replace("trial.json", R"("albumin_infusion_codings": [)",
               R"("albumin_infusion_codings": [ { "system": "http://www.whocc.no/atc", "code": "B05AA01" },)");
  auto p = problemsOf(copy);
  EXPECT_TRUE(anyContains(p, copy.path("trial.json"), "/screening_checks/albumin_infusion_codings/1")) << joined(p);
}

TEST(BrokenMappings, AlbuminCodingWithoutCodeIsASchemaProblem) {
  MappingsCopy copy;
  copy.replace("trial.json", R"("code": "B05AA01", )", "");
  auto p = problemsOf(copy);
  EXPECT_TRUE(anyContains(p, copy.path("trial.json"), "/screening_checks/albumin_infusion_codings/0")) << joined(p);
}

TEST(DefaultMappings, WithoutAlbuminCodingsNoneAreLookedFor) {
  // A trial.json without screening_checks (the key is optional): no albumin codes.
  MappingsCopy copy;
  copy.write("trial.json", R"({ "trial": { "id": "T" }, "time_zone": { "name": "Asia/Shanghai", "utc_offset": "+08:00" },
    "visits": [ { "name": "BASELINE", "target_day": 1, "first_day": -28, "last_day": 1, "baseline": true } ] })");
  EXPECT_TRUE(copy.load()->albumin_infusion_codings.empty());
}

// The two stages apart (mapping_file.h): files checked once and given to the loader again.
std::vector<std::shared_ptr<const mapping::MappingFile>> checkedDefaults() {
  std::vector<std::shared_ptr<const mapping::MappingFile>> files;
  for (const char* name : mapping::kMappingFiles)
    files.push_back(mapping::readMappingFile(FA_SOURCE_DIR "/fhir-mappings", name));
  return files;
}

TEST(CheckedMappingFiles, SameConfigAsTheFolder) {
  const auto files = checkedDefaults();
  for (const auto& f : files)
    EXPECT_TRUE(f->problems.empty()) << f->name;
  const auto config = mapping::loadTrialConfig(files);
  EXPECT_EQ(config->content_hash, defaultConfig()->content_hash);  // the same texts in the same order
  EXPECT_EQ(config->analytes.size(), defaultConfig()->analytes.size());
}

TEST(CheckedMappingFiles, AFileFromMemoryReplacesOne) {
  auto files = checkedDefaults();
  std::string text = files[0]->text;
  const std::string from = "\"id\": \"NCT05106972\"";
  ASSERT_NE(text.find(from), std::string::npos);
  text.replace(text.find(from), from.size(), "\"id\": \"NCT00000001\"");
  files[0] = mapping::checkMappingFile("trial.json", "edited/trial.json", text);
  EXPECT_TRUE(files[0]->problems.empty());
  EXPECT_EQ(mapping::loadTrialConfig(files)->trial_id, "NCT00000001");
}

TEST(CheckedMappingFiles, ProblemsOfEachFileAllReported) {
  auto files = checkedDefaults();
  files[0] = mapping::checkMappingFile("trial.json", "mem/trial.json", "{\n  \"trial\": ");  // cut short
  files[2] = mapping::checkMappingFile("ranges.json", "mem/ranges.json", "[]");  // valid JSON, not the schema's object
  EXPECT_FALSE(files[0]->document.IsObject());
  try {
    mapping::loadTrialConfig(files);
    FAIL() << "loaded";
  } catch (const mapping::ConfigError& e) {
    ASSERT_EQ(e.problems().size(), 2u);
    // Line 2 is `  "trial": `, 11 characters; the text ends there, so the parser stops at column 12.
    EXPECT_EQ(e.problems()[0].rfind("mem/trial.json: line 2 column 12: not valid JSON", 0), 0u) << e.problems()[0];
    EXPECT_EQ(e.problems()[1].rfind("mem/ranges.json: ", 0), 0u) << e.problems()[1];
  }
}

TEST(CheckedMappingFiles, AMissingFileIsNamed) {
  auto files = checkedDefaults();
  files.pop_back();  // no outcomes.json
  try {
    mapping::loadTrialConfig(files);
    FAIL() << "loaded";
  } catch (const mapping::ConfigError& e) {
    ASSERT_EQ(e.problems().size(), 1u);
    EXPECT_EQ(e.problems()[0], "outcomes.json: not given to the loader");
  }
}

}  // namespace
}  // namespace fa::test
