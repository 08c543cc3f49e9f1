#pragma once
// Hand-built outcome records for the export tests, as `map` or `records` would give them. The
// default mappings (fhir-mappings/) supply the analytes, visits and SDTM labels; the trial id
// is NCT05106972 and the site zone Asia/Shanghai (UTC+8).
#include <optional>
#include <string>

#include "engine/outcome_record.h"
#include "support/default_config.h"

namespace fa::test {

inline std::optional<core::Decimal> dec(const char* text) {
  return core::Decimal::parse(text);
}

// A final, normal BILI record of S01 collected on `effective` (study day and visit as given).
struct RecordBuilder {
  engine::OutcomeRecord r;

  RecordBuilder(std::string subject, std::string analyte, std::string id) {
    r.subject_id = std::move(subject);
    r.analyte = std::move(analyte);
    r.resource_id = id;
    r.observation = "Observation/" + id + "/_history/1";
    r.status = "final";
    r.usable_status = true;
    const auto index = defaultConfig()->analyteIndex(r.analyte);
    r.unit = index ? defaultConfig()->analytes[*index].standard_unit : "";
    r.visit = "UNSCHEDULED";
  }
  RecordBuilder& on(std::string effective, std::optional<int> day, std::string visit) {
    r.effective = std::move(effective);
    r.study_day = day;
    r.visit = std::move(visit);
    return *this;
  }
  RecordBuilder& status(std::string s) {
    r.status = std::move(s);
    return *this;
  }
  RecordBuilder& value(const char* standard, const char* source, std::optional<std::string> source_unit) {
    r.value = dec(standard);
    r.source_value = source;
    r.source_unit = std::move(source_unit);
    return *this;
  }
  RecordBuilder& comparator(core::Comparator c) {
    r.comparator = c;
    return *this;
  }
  RecordBuilder& source(std::string text) {
    r.source_value = std::move(text);
    return *this;
  }
  RecordBuilder& range(const char* low, const char* high, core::RangeSource source = core::RangeSource::Protocol) {
    r.range.low = low ? dec(low) : std::nullopt;
    r.range.high = high ? dec(high) : std::nullopt;
    r.ref_source = source;
    return *this;
  }
  RecordBuilder& flag(core::Flag f) {
    r.flag = f;
    return *this;
  }
  RecordBuilder& grade(std::optional<int> g) {
    r.ctcae_grade = g;
    return *this;
  }
  RecordBuilder& reason(std::string text) {
    r.reason = std::move(text);
    return *this;
  }
  RecordBuilder& selected(bool baseline = false) {
    r.selected = true;
    r.baseline = baseline;
    return *this;
  }
  RecordBuilder& collected(std::int64_t micros) {
    r.collected = micros;
    return *this;
  }
  operator engine::OutcomeRecord() const { return r; }
};

}  // namespace fa::test
