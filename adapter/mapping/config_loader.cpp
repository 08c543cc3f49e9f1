#include "mapping/config_loader.h"

#include <algorithm>
#include <map>
#include <set>

#include <rapidjson/document.h>

#include "common/digest.h"
#include "core/civil_time.h"

namespace fa::mapping {
namespace {

using rapidjson::Value;

class Problems {
 public:
  void add(const std::string& label, const std::string& path, const std::string& what) {
    list_.push_back(problemText(label, path, what));
  }
  void add(std::string problem) { list_.push_back(std::move(problem)); }
  bool empty() const { return list_.empty(); }
  std::vector<std::string> take() { return std::move(list_); }

 private:
  std::vector<std::string> list_;
};

// SHA-256 of every file's text, each followed by a NUL, in the given order.
std::string sha256Hex(const std::vector<const MappingFile*>& files) {
  std::string all;
  for (const MappingFile* f : files) {
    all += f->text;
    all += '\0';
  }
  return common::sha256Hex(all);
}

std::optional<core::Decimal> decimalOf(const Value& v) {
  if (!v.IsString()) return std::nullopt;
  return core::Decimal::parse(std::string_view(v.GetString(), v.GetStringLength()));
}

std::string str(const Value& v) {
  return v.IsString() ? std::string(v.GetString(), v.GetStringLength()) : std::string();
}

int intOf(const Value& v) {
  return v.IsString() ? std::stoi(str(v)) : 0;
}

const Value* member(const Value& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

// analytes.json `sdtm` (checked by the schema); nullopt when the analyte has none.
std::optional<SdtmLabels> sdtmLabels(const Value& analyte) {
  const Value* s = member(analyte, "sdtm");
  if (!s) return std::nullopt;
  auto text = [s](const char* key) { return member(*s, key) ? str((*s)[key]) : std::string(); };
  return SdtmLabels{text("testcd"), text("test"), text("category"), text("specimen"), text("loinc")};
}

std::string at(const std::string& base, size_t index) {
  return base + "/" + std::to_string(index);
}

class Loader {
 public:
  explicit Loader(const std::vector<std::shared_ptr<const MappingFile>>& files) {
    for (const auto& f : files) {
      files_[f->name] = f;
      for (const std::string& problem : f->problems)
        problems_.add(problem);
    }
    for (const char* name : kMappingFiles)
      if (files_.count(name) == 0) problems_.add(std::string(name) + ": not given to the loader");
  }

  std::shared_ptr<const TrialConfig> load() {
    if (!problems_.empty()) throw ConfigError(problems_.take());
    auto config = std::make_shared<TrialConfig>();
    loadTrial(*config);
    loadAnalytes(*config);
    if (problems_.empty()) {
      loadRanges(*config);
      loadCtcae(*config);
      loadOutcomes(*config);
    }
    if (!problems_.empty()) throw ConfigError(problems_.take());
    std::vector<const MappingFile*> ordered;
    for (const char* name : kMappingFiles)
      ordered.push_back(files_.at(name).get());
    config->content_hash = sha256Hex(ordered);
    return config;
  }

 private:
  const MappingFile& file(const std::string& name) { return *files_.at(name); }

  // docs/trial-rules.md "Time": the zone name must be in the system tz database. The old
  // `utc_offset` key may stay only while it agrees with the zone: an offset the zone has not
  // used since 2000 is refused, since the file then says two different things.
  void loadTimeZone(const MappingFile& f, TrialConfig& config) {
    const Value& tz = f.document["time_zone"];
    config.time_zone_name = str(tz["name"]);
    core::TimeZoneLookup lookup = core::TimeZone::named(config.time_zone_name);
    if (!lookup.zone) {
      problems_.add(f.label, "/time_zone/name", lookup.problem);
      return;
    }
    config.time_zone = *lookup.zone;
    const Value* declared = member(tz, "utc_offset");
    if (declared == nullptr) return;
    auto offset = core::parseUtcOffset(str(*declared));
    if (!offset) {
      problems_.add(f.label, "/time_zone/utc_offset", "not a UTC offset like +08:00");
      return;
    }
    constexpr std::int64_t k2000 = 946'684'800;    // 2000-01-01T00:00Z
    constexpr std::int64_t k2038 = 2'145'916'800;  // 2038-01-01T00:00Z: where tzdata's explicit rules end
    const std::vector<int> used = config.time_zone.offsetsBetween(k2000, k2038);
    if (std::find(used.begin(), used.end(), *offset * 60) != used.end()) return;
    std::string list;
    for (int seconds : used)
      list += (list.empty() ? "" : ", ") + core::formatUtcOffset(seconds);
    problems_.add(f.label, "/time_zone/utc_offset",
                  str(*declared) + " is not an offset of " + config.time_zone_name + " (it uses " + list +
                      "); remove utc_offset: the offset now comes from the zone, daylight saving included");
  }

  void loadTrial(TrialConfig& config) {
    const MappingFile& f = file("trial.json");
    const Value& d = f.document;
    config.trial_id = str(d["trial"]["id"]);
    loadTimeZone(f, config);

    std::vector<core::VisitWindow> windows;
    std::set<std::string> names;
    int baselines = 0;
    const Value& visits = d["visits"];
    for (rapidjson::SizeType i = 0; i < visits.Size(); ++i) {
      const Value& v = visits[i];
      const std::string path = at("/visits", i);
      core::VisitWindow w;
      w.name = str(v["name"]);
      w.target_day = intOf(v["target_day"]);
      w.first_day = intOf(v["first_day"]);
      w.last_day = intOf(v["last_day"]);
      const Value* baseline = member(v, "baseline");
      w.baseline = baseline && baseline->IsBool() && baseline->GetBool();
      if (w.baseline) ++baselines;
      if (w.name == core::kUnscheduledVisit) problems_.add(f.label, path + "/name", "UNSCHEDULED is reserved");
      if (!names.insert(w.name).second) problems_.add(f.label, path + "/name", "visit name used twice");
      if (w.first_day == 0 || w.last_day == 0 || w.target_day == 0)
        problems_.add(f.label, path, "there is no study day 0 (day 1 is the first dose, the day before is -1)");
      if (!(w.first_day <= w.target_day && w.target_day <= w.last_day))
        problems_.add(f.label, path, "needs first_day <= target_day <= last_day");
      windows.push_back(w);
    }
    if (baselines != 1) problems_.add(f.label, "/visits", "exactly one visit must have \"baseline\": true");
    for (size_t i = 0; i < windows.size(); ++i) {
      for (size_t j = i + 1; j < windows.size(); ++j) {
        if (windows[i].first_day <= windows[j].last_day && windows[j].first_day <= windows[i].last_day)
          problems_.add(f.label, at("/visits", j), "window overlaps visit " + windows[i].name);
      }
    }
    config.visits = core::VisitSchedule(std::move(windows));
    if (const Value* accepted = member(d, "accepted_modifier_extensions")) {
      for (const Value& url : accepted->GetArray())
        config.accepted_modifier_extensions.push_back(str(url));
    }
    loadAlbuminCodings(config, d, f.label);
  }

  void loadAlbuminCodings(TrialConfig& config, const Value& trial, const std::string& label) {
    const Value* checks = member(trial, "screening_checks");
    const Value* codings = checks ? member(*checks, "albumin_infusion_codings") : nullptr;
    if (!codings) return;
    std::set<std::string> seen;
    for (rapidjson::SizeType i = 0; i < codings->Size(); ++i) {
      Coding c{str((*codings)[i]["system"]), str((*codings)[i]["code"])};
      if (!seen.insert(c.system + "|" + c.code).second)
        problems_.add(label, at("/screening_checks/albumin_infusion_codings", i),
                      "code " + c.system + "|" + c.code + " listed twice");
      config.albumin_infusion_codings.push_back(std::move(c));
    }
  }

  // A number written in the mappings; one that Decimal cannot hold ("value out of range") is a
  // problem at its JSON path, never a silent default.
  std::optional<core::Decimal> number(const Value& v, const std::string& label, const std::string& path) {
    if (!v.IsString()) return std::nullopt;  // not a number: the schema check names it
    core::Decimal::Parsed d = core::Decimal::read(std::string_view(v.GetString(), v.GetStringLength()));
    if (!d.value) problems_.add(label, path, std::string(core::Decimal::describe(d.error)));
    return d.value;
  }

  // A factor is a number or the name of a parameter of the analyte.
  std::optional<core::Decimal> factor(const Value& v, const std::map<std::string, core::Decimal>& parameters,
                                      const std::string& label, const std::string& path) {
    if (auto d = decimalOf(v); d) return d;
    if (v.IsString() && core::Decimal::read(str(v)).error == core::Decimal::ParseError::OutOfRange) {
      problems_.add(label, path, "value out of range");
      return std::nullopt;
    }
    auto it = parameters.find(str(v));
    if (it == parameters.end()) {
      problems_.add(label, path, "\"" + str(v) + "\" is neither a number nor one of this analyte's parameters");
      return std::nullopt;
    }
    return it->second;
  }

  void loadAnalytes(TrialConfig& config) {
    const MappingFile& f = file("analytes.json");
    const Value& list = f.document["analytes"];
    std::set<std::string> codes;
    for (rapidjson::SizeType i = 0; i < list.Size(); ++i) {
      const Value& a = list[i];
      const std::string path = at("/analytes", i);
      AnalyteDefinition def;
      def.code = str(a["code"]);
      def.name = str(a["name"]);
      def.standard_unit = str(a["standard_unit"]);
      def.sdtm = sdtmLabels(a);
      if (!codes.insert(def.code).second) problems_.add(f.label, path + "/code", "analyte code used twice");
      std::map<std::string, core::Decimal> parameters;
      if (const Value* p = member(a, "parameters")) {
        for (auto m = p->MemberBegin(); m != p->MemberEnd(); ++m) {
          if (auto d = number(m->value, f.label, path + "/parameters/" + str(m->name))) parameters.emplace(str(m->name), *d);
        }
      }
      parameters_.push_back(parameters);
      const Value& codings = a["codings"];
      for (rapidjson::SizeType c = 0; c < codings.Size(); ++c) {
        std::string key = str(codings[c]["system"]) + "|" + str(codings[c]["code"]);
        auto [it, inserted] = config.coding_index.emplace(key, config.analytes.size());
        if (!inserted && it->second != config.analytes.size())
          problems_.add(f.label, at(path + "/codings", c), "code " + key + " already belongs to another analyte");
      }
      const Value& units = a["units"];
      std::set<std::string> exactSpellings;
      std::map<std::string, rapidjson::SizeType> lenientGroup;  // display spelling -> units entry
      for (rapidjson::SizeType u = 0; u < units.Size(); ++u) {
        const Value& unit = units[u];
        const std::string upath = at(path + "/units", u);
        core::UnitConversion conversion;
        if (const Value* m = member(unit, "multiply_by")) {
          if (auto d = factor(*m, parameters, f.label, upath + "/multiply_by")) conversion.multiply_by = *d;
        }
        if (const Value* m = member(unit, "divide_by"))
          conversion.divide_by = factor(*m, parameters, f.label, upath + "/divide_by");
        if (const Value* m = member(unit, "log10")) conversion.log10 = m->GetBool();
        if (const Value* m = member(unit, "also_without_unit"); m && m->GetBool()) def.units.allowMissingUnit(conversion);
        const Value& list_of_spellings = unit["spellings"];
        for (rapidjson::SizeType s = 0; s < list_of_spellings.Size(); ++s) {
          std::string spelling = str(list_of_spellings[s]);
          // UCUM codes are case-sensitive, so "{Log_IU}/mL" and "{log_IU}/mL" may both be listed;
          // but a display spelling must not lead to two different conversions.
          auto [group, fresh] = lenientGroup.emplace(core::normaliseDisplayUnit(spelling), u);
          if (!exactSpellings.insert(spelling).second || (!fresh && group->second != u))
            problems_.add(f.label, at(upath + "/spellings", s), "unit spelling \"" + spelling + "\" listed twice");
          def.units.addSpelling(spelling, conversion);
        }
      }
      def.flag_rule = str(a["flag_rule"]) == "quantified_at_or_above_high" ? core::FlagRule::QuantifiedAtOrAboveHigh
                                                                           : core::FlagRule::InclusiveRange;
      if (const Value* nd = member(a, "not_detected")) {
        NotDetectedRule rule;
        if (const Value* texts = member(*nd, "texts"))
          for (const Value& t : texts->GetArray())
            rule.texts.push_back(core::normaliseDisplayUnit(str(t)));
        if (const Value* cs = member(*nd, "codings"))
          for (const Value& c : cs->GetArray())
            rule.codings.push_back({str(c["system"]), str(c["code"])});
        std::string flag = str((*nd)["flag"]);
        rule.flag = core::parseFlag(flag).value_or(core::Flag::Normal);  // the schema allows low, normal, high
        def.not_detected = rule;
      }
      config.analytes.push_back(std::move(def));
    }
  }

  std::optional<core::Decimal> bound(const Value& v, size_t analyte, const std::string& label, const std::string& path) {
    return factor(v, parameters_[analyte], label, path);
  }

  // Reads one range row; nullopt (with a problem noted) when unusable.
  std::optional<std::pair<size_t, SiteRange>> rangeRow(const TrialConfig& config, const Value& row, const std::string& label,
                                                       const std::string& path) {
    auto analyte = config.analyteIndex(str(row["analyte"]));
    if (!analyte) {
      problems_.add(label, path + "/analyte", "no analyte \"" + str(row["analyte"]) + "\" in analytes.json");
      return std::nullopt;
    }
    const AnalyteDefinition& def = config.analytes[*analyte];
    core::UnitConversion conversion;
    if (const Value* unit = member(row, "unit")) {
      auto found = def.units.findSpelling(str(*unit));
      if (!found) {
        problems_.add(label, path + "/unit", "unit \"" + str(*unit) + "\" is not one of " + def.code + "'s units");
        return std::nullopt;
      }
      conversion = *found;
    }
    SiteRange out;
    if (const Value* s = member(row, "sex")) out.sex = str(*s);
    for (const char* side : {"low", "high"}) {
      const Value* v = member(row, side);
      if (!v) continue;
      auto raw = bound(*v, *analyte, label, path + "/" + side);
      if (!raw) return std::nullopt;
      auto standard = core::toStandardUnit(*raw, conversion);
      if (!standard) {
        problems_.add(label, path + "/" + side, "cannot be converted to " + def.standard_unit);
        return std::nullopt;
      }
      (std::string_view(side) == "low" ? out.range.low : out.range.high) = standard;
    }
    if (out.range.low && out.range.high && *out.range.low > *out.range.high) {
      problems_.add(label, path, "low is above high");
      return std::nullopt;
    }
    return std::make_pair(*analyte, out);
  }

  void loadRanges(TrialConfig& config) {
    const MappingFile& f = file("ranges.json");
    const Value& d = f.document;
    const Value& defaults = d["protocol_defaults"];
    for (rapidjson::SizeType i = 0; i < defaults.Size(); ++i) {
      const std::string path = at("/protocol_defaults", i);
      if (member(defaults[i], "sex")) problems_.add(f.label, path + "/sex", "protocol defaults are not keyed by sex");
      auto row = rangeRow(config, defaults[i], f.label, path);
      if (!row) continue;
      auto& target = config.analytes[row->first].protocol_range;
      if (target) problems_.add(f.label, path, "a second protocol default for " + config.analytes[row->first].code);
      target = row->second.range;
    }
    if (const Value* site = member(d, "site")) {
      std::set<std::string> keys;
      for (rapidjson::SizeType i = 0; i < site->Size(); ++i) {
        const std::string path = at("/site", i);
        auto row = rangeRow(config, (*site)[i], f.label, path);
        if (!row) continue;
        std::string key = config.analytes[row->first].code + "/" + row->second.sex.value_or("any");
        if (!keys.insert(key).second) problems_.add(f.label, path, "a second site range for " + key);
        config.analytes[row->first].site_ranges.push_back(row->second);
      }
    }
  }

  core::GradingScale scale(const Value& grades, core::GradeDirection direction, const std::string& label, const std::string& path,
                           bool baseline_allowed) {
    core::GradingScale out;
    out.direction = direction;
    std::set<int> seen;
    for (rapidjson::SizeType g = 0; g < grades.Size(); ++g) {
      const Value& grade = grades[g];
      core::GradeBand band;
      band.grade = intOf(grade["grade"]);
      if (!seen.insert(band.grade).second) problems_.add(label, at(path, g) + "/grade", "grade listed twice");
      const Value& beyond = grade["beyond"];
      for (rapidjson::SizeType t = 0; t < beyond.Size(); ++t) {
        const Value& th = beyond[t];
        core::GradeThreshold threshold;
        if (const Value* times = member(th, "times")) {
          std::string basis = str(*times);
          threshold.basis = basis == "ULN"   ? core::GradeThreshold::Basis::Uln
                            : basis == "LLN" ? core::GradeThreshold::Basis::Lln
                                             : core::GradeThreshold::Basis::Baseline;
          if (threshold.basis == core::GradeThreshold::Basis::Baseline && !baseline_allowed)
            problems_.add(label, at(at(path, g) + "/beyond", t), "\"baseline\" belongs in baseline_rule");
          threshold.factor =
              number(th["factor"], label, at(at(path, g) + "/beyond", t) + "/factor").value_or(core::Decimal::fromInt(1));
        } else {
          threshold.basis = core::GradeThreshold::Basis::Absolute;
          threshold.factor = number(th["value"], label, at(at(path, g) + "/beyond", t) + "/value").value_or(core::Decimal());
        }
        if (const Value* inclusive = member(th, "inclusive")) threshold.inclusive = inclusive->GetBool();
        band.any_of.push_back(threshold);
      }
      out.bands.push_back(std::move(band));
    }
    return out;
  }

  void loadCtcae(TrialConfig& config) {
    const MappingFile& f = file("ctcae.json");
    const Value& criteria = f.document["criteria"];
    for (rapidjson::SizeType i = 0; i < criteria.Size(); ++i) {
      const Value& c = criteria[i];
      const std::string path = at("/criteria", i);
      auto analyte = config.analyteIndex(str(c["analyte"]));
      if (!analyte) {
        problems_.add(f.label, path + "/analyte", "no analyte \"" + str(c["analyte"]) + "\" in analytes.json");
        continue;
      }
      auto& target = config.analytes[*analyte].ctcae;
      if (target) problems_.add(f.label, path, "a second criterion for " + str(c["analyte"]));
      CtcaeCriterion criterion;
      criterion.term = str(c["term"]);
      auto direction = str(c["direction"]) == "decrease" ? core::GradeDirection::Decrease : core::GradeDirection::Increase;
      criterion.scale = scale(c["grades"], direction, f.label, path + "/grades", false);
      if (const Value* rule = member(c, "baseline_rule")) {
        criterion.baseline_rule_flag =
            core::parseFlag(str((*rule)["when_baseline_flag"])).value_or(core::Flag::High);  // low|high
        criterion.baseline_scale = scale((*rule)["grades"], direction, f.label, path + "/baseline_rule/grades", true);
      }
      target = std::move(criterion);
    }
  }

  void loadOutcomes(TrialConfig& config) {
    const MappingFile& f = file("outcomes.json");
    const Value& outcomes = f.document["outcomes"];
    std::set<std::string> ids;
    for (rapidjson::SizeType i = 0; i < outcomes.Size(); ++i) {
      const Value& o = outcomes[i];
      const std::string path = at("/outcomes", i);
      OutcomeDefinition def;
      def.id = str(o["id"]);
      def.label = str(o["label"]);
      if (!ids.insert(def.id).second) problems_.add(f.label, path + "/id", "outcome id used twice");
      const Value& when = o["abnormal_when"];
      for (rapidjson::SizeType w = 0; w < when.Size(); ++w) {
        auto analyte = config.analyteIndex(str(when[w]["analyte"]));
        if (!analyte) {
          problems_.add(f.label, at(path + "/abnormal_when", w) + "/analyte", "no analyte \"" + str(when[w]["analyte"]) + "\"");
          continue;
        }
        OutcomeDefinition::Condition condition;
        condition.analyte = *analyte;
        for (const Value& flag : when[w]["flags"].GetArray())
          condition.flags.push_back(core::parseFlag(str(flag)).value_or(core::Flag::High));  // the schema: low|high
        def.abnormal_when.push_back(condition);
      }
      config.outcomes.push_back(std::move(def));
    }
  }

  std::map<std::string, std::shared_ptr<const MappingFile>> files_;
  std::vector<std::map<std::string, core::Decimal>> parameters_;  // per analyte, in order
  Problems problems_;
};

}  // namespace

std::shared_ptr<const TrialConfig> loadTrialConfig(const std::filesystem::path& dir) {
  if (!std::filesystem::is_directory(dir))
    throw ConfigError({dir.string() + ": not a mappings folder (missing or not a directory)"});
  std::vector<std::shared_ptr<const MappingFile>> files;
  for (const char* name : kMappingFiles)
    files.push_back(readMappingFile(dir, name));
  return loadTrialConfig(files);
}

std::shared_ptr<const TrialConfig> loadTrialConfig(const std::vector<std::shared_ptr<const MappingFile>>& files) {
  return Loader(files).load();
}

}  // namespace fa::mapping
