#pragma once
// Builders for whole MappingSession runs: Observation JSON written in the test, fed through
// fhir::readResources on an fmemopen'ed FILE*, records returned for checking.
//
// The default roster puts subject S01 (Patient/p1) on dose 1 = 2026-01-01, so in 2026 the
// study day of a date equals its day of the year (2026 is not a leap year): Jan 29 is day 29,
// Mar 26 is day 85 (31 + 28 + 26). Day -1 is 2025-12-31, day -28 is 2025-12-04.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/mapping_session.h"
#include "engine/record_writer.h"
#include "fhir/resource_stream.h"
#include "mapping/roster.h"
#include "support/default_config.h"

namespace fa::test {

inline const char* kDefaultRoster =
    "subject_id,patient,dose1_date,dose2_date\n"
    "S01,Patient/p1,2026-01-01,2026-06-18\n"
    "S02,Patient/p2,,\n"
    "S03,urn:oid:1.2.156.1|MRN-3,2026-01-01,\n";

// LOINC codes from the docs/trial-rules.md analyte table (first listed per analyte).
inline std::string loincFor(const std::string& analyte) {
  static const std::map<std::string, std::string> codes = {
      {"BILI", "1975-2"},    {"ALB", "1751-7"},     {"PT", "5902-2"},  {"INR", "6301-6"}, {"PTA", "5894-1"},
      {"APTT", "3173-2"},    {"FIBRINO", "3255-7"}, {"IGG", "2465-3"}, {"IGA", "2458-8"}, {"IGM", "2472-9"},
      {"HBVDNA", "42595-9"}, {"CREA", "2160-0"},    {"NA", "2951-2"}};
  return codes.at(analyte);
}

// valueQuantity members, numbers written raw ("1.10" stays 1.10 in the JSON).
inline std::string qty(const std::string& value, const std::string& unit) {
  return "\"valueQuantity\": {\"value\": " + value + ", \"unit\": \"" + unit + "\"}";
}
inline std::string qtyCmp(const std::string& comparator, const std::string& value, const std::string& unit) {
  return "\"valueQuantity\": {\"value\": " + value + ", \"comparator\": \"" + comparator + "\", \"unit\": \"" + unit + "\"}";
}
inline std::string ucum(const std::string& value, const std::string& code, const std::string& display = "") {
  std::string out = "\"valueQuantity\": {\"value\": " + value;
  if (!display.empty()) out += ", \"unit\": \"" + display + "\"";
  return out + ", \"system\": \"http://unitsofmeasure.org\", \"code\": \"" + code + "\"}";
}
inline std::string qtyNoUnit(const std::string& value) {
  return "\"valueQuantity\": {\"value\": " + value + "}";
}
inline std::string valueString(const std::string& text) {
  return "\"valueString\": \"" + text + "\"";
}

class Obs {
 public:
  explicit Obs(std::string id = "o1") : id_(std::move(id)) {}
  Obs& id(std::string v) {
    id_ = std::move(v);
    return *this;
  }
  Obs& analyte(const std::string& code) {
    code_ = loincFor(code);
    return *this;
  }
  Obs& loinc(std::string code) {
    code_ = std::move(code);
    return *this;
  }
  Obs& codeRaw(std::string json) {
    code_raw_ = std::move(json);
    return *this;
  }
  Obs& status(std::string v) {
    status_ = std::move(v);
    return *this;
  }
  Obs& version(std::string v) {
    version_ = std::move(v);
    return *this;
  }
  Obs& updated(std::string v) {
    updated_ = std::move(v);
    return *this;
  }
  Obs& subject(std::string reference) {
    subject_ = "{\"reference\": \"" + reference + "\"}";
    return *this;
  }
  Obs& subjectRaw(std::string json) {
    subject_ = std::move(json);
    return *this;
  }
  Obs& effective(std::string v) {
    effective_ = "\"effectiveDateTime\": \"" + v + "\"";
    return *this;
  }
  Obs& effectiveRaw(std::string member) {
    effective_ = std::move(member);
    return *this;
  }
  Obs& value(std::string member) {
    value_ = std::move(member);
    return *this;
  }
  Obs& range(std::string objects) {
    extra_.push_back("\"referenceRange\": [" + objects + "]");
    return *this;
  }
  Obs& extra(std::string member) {
    extra_.push_back(std::move(member));
    return *this;
  }

  std::string json() const {
    std::string out = "{\"resourceType\": \"Observation\", \"id\": \"" + id_ + "\"";
    if (version_ || updated_) {
      out += ", \"meta\": {";
      if (version_) out += "\"versionId\": \"" + *version_ + "\"";
      if (version_ && updated_) out += ", ";
      if (updated_) out += "\"lastUpdated\": \"" + *updated_ + "\"";
      out += "}";
    }
    out += ", \"status\": \"" + status_ + "\"";
    out += ", \"code\": " +
           (code_raw_.empty() ? "{\"coding\": [{\"system\": \"http://loinc.org\", \"code\": \"" + code_ + "\"}]}" : code_raw_);
    out += ", \"subject\": " + subject_;
    if (!effective_.empty()) out += ", " + effective_;
    if (!value_.empty()) out += ", " + value_;
    for (const std::string& e : extra_)
      out += ", " + e;
    return out + "}";
  }

 private:
  std::string id_;
  std::string code_ = "1975-2";
  std::string code_raw_;
  std::string status_ = "final";
  std::optional<std::string> version_, updated_;
  std::string subject_ = "{\"reference\": \"Patient/p1\"}";
  std::string effective_ = "\"effectiveDateTime\": \"2026-01-01\"";
  std::string value_;
  std::vector<std::string> extra_;
};

struct RunResult {
  engine::OutcomeRecords records;
  engine::MapCounts counts;
  std::vector<engine::Rejection> rejections;

  // The record of one Observation id (nullptr when not output).
  const engine::OutcomeRecord* find(const std::string& id) const {
    for (const auto& r : records) {
      if (r.resource_id == id) return &r;
    }
    return nullptr;
  }
  const engine::OutcomeRecord& get(const std::string& id) const {
    const engine::OutcomeRecord* r = find(id);
    if (!r) {
      ADD_FAILURE() << "no record for Observation/" << id;
      static const engine::OutcomeRecord empty;
      return empty;
    }
    return *r;
  }
};

inline std::shared_ptr<const mapping::Roster> rosterFrom(const std::string& csv) {
  return std::make_shared<const mapping::Roster>(mapping::Roster::parse(csv, "subjects.csv"));
}

// Feeds several inputs (each a whole file's text) through one session; `threads` > 1 reads
// NDJSON on that many worker threads (fhir/parallel_ndjson.h).
inline RunResult runInputs(const std::vector<std::string>& inputs, const std::string& roster = kDefaultRoster,
                           std::shared_ptr<const mapping::TrialConfig> config = defaultConfig(), std::string base = "",
                           bool quick_look = true, unsigned threads = 1) {
  RunResult out;
  engine::SessionOptions options{std::move(base)};
  options.quick_look = quick_look;
  engine::MappingSession session(config, rosterFrom(roster), options,
                                 [&out](const engine::Rejection& r) { out.rejections.push_back(r); });
  std::uint64_t bundles = 0;
  for (const std::string& text : inputs) {
    std::string copy = text.empty() ? std::string("\n") : text;
    std::FILE* f = fmemopen(copy.data(), copy.size(), "r");
    EXPECT_NE(f, nullptr);
    if (!f) return out;
    fhir::readResources(f, "test-input", session, bundles, {threads});
    std::fclose(f);
  }
  out.records = session.finish();
  out.counts = session.counts();
  return out;
}

// A run's records as `map` writes them, and its rejections as one line each: for comparing
// two runs of the same input that must agree.
inline std::string ndjsonOf(const RunResult& run) {
  std::string out;
  for (const engine::OutcomeRecord& r : run.records)
    engine::appendNdjson(out, r);
  return out;
}

inline std::vector<std::string> rejectionTexts(const RunResult& run) {
  std::vector<std::string> out;
  for (const engine::Rejection& r : run.rejections)
    out.push_back(r.where + " | " + r.resource + " | " + r.why);
  return out;
}

// Observations as the lines of one NDJSON file.
inline RunResult runObservations(const std::vector<Obs>& observations, const std::string& roster = kDefaultRoster) {
  std::string text;
  for (const Obs& o : observations)
    text += o.json() + "\n";
  return runInputs({text}, roster);
}

// One Observation in, its one record out.
inline engine::OutcomeRecord runOne(const Obs& observation, const std::string& roster = kDefaultRoster) {
  RunResult r = runObservations({observation}, roster);
  EXPECT_TRUE(r.rejections.empty()) << (r.rejections.empty() ? "" : r.rejections.front().why);
  EXPECT_EQ(r.records.size(), 1u);
  return r.records.empty() ? engine::OutcomeRecord{} : r.records.front();
}

inline std::string text(const std::optional<core::Decimal>& d) {
  return d ? d->toString() : "null";
}
inline std::string text(const std::optional<core::Flag>& f) {
  return f ? std::string(core::toString(*f)) : "null";
}
inline std::string text(const std::optional<core::RangeSource>& s) {
  return s ? std::string(core::toString(*s)) : "null";
}

}  // namespace fa::test
