// The engine's record boundary: a value that cannot be held (1.5e-157 needs 158 fraction
// digits, which once overflowed Int128 and divided by zero) or any exception from the rules
// rejects that one record, naming the resource and the element; the others are still written.
#include <gtest/gtest.h>

#include <stdexcept>

#include "engine/record_guard.h"
#include "engine/session_fixture.h"
#include "mapping/config_error.h"
#include "support/mappings_copy.h"

namespace fa::test {
namespace {

Obs bili(const std::string& id) {
  return Obs(id).analyte("BILI").value(qty("20", "umol/L"));
}

TEST(RecordGuard, AnExceptionBecomesTheRejectionNamingTheElement) {
  auto failure = engine::evaluationFailure([](std::string_view& member) {
    member = "valueQuantity";
    throw std::out_of_range("value out of range");
  });
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(*failure, "Observation.valueQuantity: could not be evaluated (value out of range)");
}

TEST(RecordGuard, AnythingThrownIsCaught) {
  auto failure = engine::evaluationFailure([](std::string_view&) { throw 42; });
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(*failure, "Observation: could not be evaluated");
}

TEST(RecordGuard, NormalReturnIsNoFailure) {
  int calls = 0;
  EXPECT_FALSE(engine::evaluationFailure([&](std::string_view&) { ++calls; }).has_value());
  EXPECT_EQ(calls, 1);
}

TEST(RecordGuard, TinyQuantityValueIsRejectedAndTheRestGoesOn) {
  auto run = runObservations({bili("before"), Obs("tiny").analyte("BILI").value(qty("1.5e-157", "umol/L")), bili("after")});
  EXPECT_EQ(run.records.size(), 2u);
  EXPECT_NE(run.find("before"), nullptr);
  EXPECT_NE(run.find("after"), nullptr);
  EXPECT_EQ(run.counts.rejected, 1u);
  ASSERT_EQ(run.rejections.size(), 1u);
  EXPECT_EQ(run.rejections[0].resource, "Observation/tiny");
  EXPECT_EQ(run.rejections[0].why, "Observation.valueQuantity.value value out of range");
}

TEST(RecordGuard, HugeAndTinyBoundsOfAReferenceRangeAreRejected) {
  auto run = runObservations({bili("low").range(R"({"low": {"value": 1.5e-157, "unit": "umol/L"}})"),
                              bili("high").range(R"({"high": {"value": 1e300, "unit": "umol/L"}})"), bili("ok")});
  EXPECT_EQ(run.records.size(), 1u);
  EXPECT_EQ(run.counts.rejected, 2u);
  ASSERT_EQ(run.rejections.size(), 2u);
  EXPECT_EQ(run.rejections[0].why, "Observation.referenceRange.low.value value out of range");
  EXPECT_EQ(run.rejections[1].why, "Observation.referenceRange.high.value value out of range");
}

TEST(RecordGuard, TinyNumberInATextResultIsNotUnderstoodNotACrash) {
  // "<0.000...015" in a valueString: 200 zeros; the text reader refuses the number, the
  // record is kept indeterminate with its reason.
  const std::string text = "<0." + std::string(200, '0') + "15 umol/L";
  const engine::OutcomeRecord r = runOne(Obs("t").analyte("BILI").value(valueString(text)));
  EXPECT_FALSE(r.value.has_value());
  EXPECT_EQ(fa::test::text(r.flag), "indeterminate");
  EXPECT_EQ(r.reason.value_or(""), "text result not understood");
}

// The same numbers in fhir-mappings/ are configuration problems naming the file and JSON path,
// never a crash and never a silent default.
std::vector<std::string> loadProblems(const MappingsCopy& copy) {
  try {
    copy.load();
  } catch (const mapping::ConfigError& e) {
    return e.problems();
  }
  return {};
}

bool anyProblemWith(const std::vector<std::string>& problems, const std::vector<std::string>& fragments) {
  for (const std::string& p : problems) {
    bool all = true;
    for (const std::string& f : fragments)
      all = all && p.find(f) != std::string::npos;
    if (all) return true;
  }
  return false;
}

TEST(RecordGuard, OutOfRangeCtcaeFactorInTheMappingsIsAConfigProblem) {
  MappingsCopy copy;
  copy.replace("ctcae.json", "\"factor\": 1.5 }", "\"factor\": 1.5e-157 }");
  const auto problems = loadProblems(copy);
  ASSERT_FALSE(problems.empty());
  EXPECT_TRUE(anyProblemWith(problems, {"ctcae.json", "/factor", "value out of range"})) << problems.front();
}

TEST(RecordGuard, OutOfRangeUnitFactorInTheMappingsIsAConfigProblem) {
  MappingsCopy copy;
  copy.replace("analytes.json", "\"multiply_by\": 17.1", "\"multiply_by\": 1.5e-157");
  const auto problems = loadProblems(copy);
  ASSERT_FALSE(problems.empty());
  EXPECT_TRUE(anyProblemWith(problems, {"analytes.json", "multiply_by", "value out of range"})) << problems.front();
}

}  // namespace
}  // namespace fa::test
