#include "engine/mapping_session.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "core/ctcae.h"
#include "core/selection.h"
#include "engine/range_selection.h"
#include "engine/record_guard.h"
#include "engine/value_evaluation.h"

namespace fa::engine {
namespace {

// std::sort on the records themselves moves each large record O(log n) times; sorting indices
// and then applying the permutation in place moves each record about once. Same order: no two
// records compare equal (one record per Observation id).
void sortInOutputOrder(OutcomeRecords& records) {
  std::vector<std::size_t> order(records.size());
  for (std::size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return outputOrder(records[a], records[b]); });
  // Position i receives records[order[i]]; follow each cycle once.
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (order[i] == i) continue;
    OutcomeRecord held = std::move(records[i]);
    std::size_t j = i;
    while (true) {
      const std::size_t k = order[j];
      order[j] = j;
      if (k == i) {
        records[j] = std::move(held);
        break;
      }
      records[j] = std::move(records[k]);
      j = k;
    }
  }
}

}  // namespace

MappingSession::MappingSession(std::shared_ptr<const mapping::TrialConfig> config, std::shared_ptr<const mapping::Roster> roster,
                               SessionOptions options, RejectionHandler on_rejection)
    : config_(std::move(config)),
      roster_(std::move(roster)),
      options_(std::move(options)),
      on_rejection_(std::move(on_rejection)) {}

void MappingSession::reject(const fhir::ResourceLocation& where, const std::string& resource, const std::string& why) {
  ++counts_.rejected;
  if (on_rejection_) on_rejection_({where.describe(), resource, why});
}

void MappingSession::onInputError(const fhir::ResourceLocation& where, const std::string& message) {
  reject(where, "", message);
}

void MappingSession::rejectInput(const std::string& where, const std::string& why) {
  ++counts_.rejected;
  if (on_rejection_) on_rejection_({where, "", why});
}

std::optional<std::size_t> MappingSession::matchAnalyte(const fhir::JsonValue& resource) {
  // The key "system|code" is built in a reused buffer: no allocation per coding.
  std::optional<std::size_t> analyte;
  fhir::forEachCodeCoding(resource, [&](std::string_view system, std::string_view code) {
    coding_key_.assign(system);
    coding_key_ += '|';
    coding_key_.append(code);
    auto it = config_->coding_index.find(coding_key_);
    if (it == config_->coding_index.end()) return false;
    analyte = it->second;
    return true;
  });
  return analyte;
}

void MappingSession::onResource(const fhir::JsonValue& resource, const fhir::ResourceLocation& where,
                                const std::optional<fhir::BundlePosition>& position) {
  ++counts_.resources_read;
  if (fhir::stringMember(resource, "resourceType").value_or("") != "Observation") {
    ++counts_.ignored;
    return;
  }
  // Match the code first: most of a hospital's Observations are not the trial's business and
  // are ignored without further checks (docs/contract.md).
  const std::optional<std::size_t> analyte = matchAnalyte(resource);
  if (!analyte) {
    ++counts_.ignored;
    return;
  }
  const std::string idText(fhir::stringMember(resource, "id").value_or(""));
  const std::string name = idText.empty() ? std::string() : "Observation/" + idText;
  fhir::ObservationParse parsed = fhir::parseObservation(resource);
  if (auto* error = std::get_if<fhir::FieldError>(&parsed)) {
    reject(where, name, error->field + " " + error->message);
    return;
  }
  fhir::ObservationFacts& facts = std::get<fhir::ObservationFacts>(parsed);
  for (const std::string& url : facts.modifier_extensions) {
    if (!config_->acceptsModifierExtension(url)) {
      reject(where, name, "unknown modifierExtension \"" + url + "\": FHIR forbids processing this resource");
      return;
    }
  }
  std::optional<std::size_t> subject;
  if (!facts.subject_reference.empty()) subject = roster_->matchReference(facts.subject_reference, options_.base_url);
  if (!subject && facts.subject_identifier)
    subject = roster_->matchIdentifier(facts.subject_identifier->first, facts.subject_identifier->second);

  StoredVersion stored;
  stored.key.version_id = facts.version_id;
  stored.key.last_updated = facts.last_updated;
  stored.key.status = facts.status;
  stored.key.seen = ++seen_;
  if (position) {
    stored.key.bundle = position->bundle;
    stored.key.bundle_index = position->index;
  }
  if (!subject) {
    ++counts_.skipped_not_on_roster;
    // Kept only as a marker when the id is known: a newer version moved off the roster must
    // hide the older one. Unknown ids cost nothing.
    auto it = versions_.find(facts.id);
    if (it == versions_.end()) return;
    it->second.push_back(std::move(stored));
    return;
  }
  OutcomeRecord record;
  auto failure = evaluationFailure([&](std::string& element) { record = evaluate(facts, *analyte, *subject, element); });
  if (failure) {
    reject(where, name, *failure);
    return;
  }
  stored.record = records_.size();
  records_.push_back(std::move(record));
  versions_[facts.id].push_back(std::move(stored));
}

void MappingSession::onDelete(const fhir::DeleteNotice& notice) {
  if (notice.resource_type != "Observation") return;
  DeleteKey key;
  key.last_modified = notice.last_modified;
  key.bundle = notice.position.bundle;
  key.bundle_index = notice.position.index;
  deletes_[notice.id].push_back(key);
}

OutcomeRecord MappingSession::evaluate(const fhir::ObservationFacts& f, std::size_t analyte_index, std::size_t subject_index,
                                       std::string& element) const {
  const mapping::AnalyteDefinition& analyte = config_->analytes[analyte_index];
  const mapping::Subject& subject = roster_->subject(subject_index);
  OutcomeRecord r;
  r.subject_id = subject.subject_id;
  r.analyte = analyte.code;
  r.unit = analyte.standard_unit;
  r.resource_id = f.id;
  r.last_updated = f.last_updated;
  r.subject_index = subject_index;
  r.analyte_index = analyte_index;
  r.status = f.status;
  r.usable_status = isUsableStatus(f.status);

  element = "Observation.effective[x]";
  if (f.effective) {
    core::SiteTime t = core::toSiteTime(*f.effective, config_->time_zone);
    r.collected = t.instant;
    if (t.local_date) {
      r.effective = core::formatIsoDate(*t.local_date);
      if (subject.dose1) r.study_day = core::studyDay(*t.local_date, *subject.dose1);
    }
  }
  const core::VisitWindow* window = r.study_day ? config_->visits.windowFor(*r.study_day) : nullptr;
  r.visit = window ? window->name : core::kUnscheduledVisit;

  element = "Observation." + (f.value_type.empty() ? std::string("value[x]") : f.value_type);
  EvaluatedValue value = evaluateValue(f, analyte);
  r.value = value.value;
  r.comparator = value.comparator;
  r.source_value = value.source_value;
  r.source_unit = value.source_unit;
  r.reason = value.reason;

  element = "Observation.referenceRange";
  SelectedRange range = selectRange(f, value, analyte, subject);
  r.range = range.range;
  r.ref_source = range.source;
  element = "Observation." + (f.value_type.empty() ? std::string("value[x]") : f.value_type);

  if (value.known_flag) {
    r.flag = *value.known_flag;
  } else if (!value.value) {
    r.flag = core::Flag::Indeterminate;
  } else if (range.range.empty()) {
    r.flag = core::Flag::Indeterminate;
    r.reason = "no reference range applies";
  } else {
    r.flag = core::flagInterval(core::intervalFor(*value.value, value.comparator), range.range, analyte.flag_rule);
    if (*r.flag == core::Flag::Indeterminate) {
      r.reason = "interval " + std::string(core::toString(value.comparator)) + value.value->toString() + " spans a range limit";
    }
  }
  return r;
}

void MappingSession::selectAndGrade(OutcomeRecords& records) const {
  // Selection per subject, analyte and visit.
  std::map<std::tuple<std::size_t, std::size_t, std::string>, std::size_t> winners;
  std::map<std::string, const core::VisitWindow*> windows;
  for (const core::VisitWindow& w : config_->visits.windows())
    windows[w.name] = &w;
  auto candidate = [](const OutcomeRecord& r) {
    return core::SelectionCandidate{*r.study_day, r.collected, r.last_updated, r.resource_id};
  };
  for (std::size_t i = 0; i < records.size(); ++i) {
    const OutcomeRecord& r = records[i];
    const bool eligible = r.usable_status && r.status != "retracted" && r.flag && *r.flag != core::Flag::Indeterminate &&
                          r.study_day && windows.count(r.visit);
    if (!eligible) continue;
    auto key = std::make_tuple(r.subject_index, r.analyte_index, r.visit);
    auto [it, inserted] = winners.emplace(key, i);
    if (!inserted && core::representsVisitBetter(candidate(r), candidate(records[it->second]), windows[r.visit]->target_day))
      it->second = i;
  }
  std::map<std::pair<std::size_t, std::size_t>, std::size_t> baselines;
  for (const auto& [key, index] : winners) {
    OutcomeRecord& r = records[index];
    r.selected = true;
    if (windows[r.visit]->baseline) {
      r.baseline = true;
      baselines[{r.subject_index, r.analyte_index}] = index;
    }
  }
  // CTCAE grades; the baseline-relative rules need the selected baseline.
  for (OutcomeRecord& r : records) {
    const auto& criterion = config_->analytes[r.analyte_index].ctcae;
    if (r.status == "retracted" || !criterion || !r.value) continue;
    core::GradeReferences refs{r.range.high, r.range.low, std::nullopt};
    const core::GradingScale* scale = &criterion->scale;
    if (criterion->baseline_rule_flag && r.study_day && *r.study_day > 1) {
      auto b = baselines.find({r.subject_index, r.analyte_index});
      if (b != baselines.end()) {
        const OutcomeRecord& base = records[b->second];
        if (base.flag == criterion->baseline_rule_flag && base.value) {
          scale = &criterion->baseline_scale;
          refs.baseline = base.value;
        }
      }
    }
    r.ctcae_grade = core::gradeInterval(core::intervalFor(*r.value, r.comparator), *scale, refs);
  }
}

OutcomeRecords MappingSession::finish() {
  // Resolve each id to the record it keeps; every other stored record is dropped.
  std::vector<bool> keep(records_.size(), false);
  std::vector<VersionKey> keys;
  static const std::vector<DeleteKey> kNoDeletes;
  for (auto& [id, versions] : versions_) {
    keys.clear();
    for (const StoredVersion& v : versions)
      keys.push_back(v.key);
    auto d = deletes_.find(id);
    Resolution res = resolveVersions(keys, d == deletes_.end() ? kNoDeletes : d->second);
    const StoredVersion& reference = versions[res.reference];
    if (res.state == Resolution::State::Hidden || reference.record == kOffRoster) continue;
    const std::size_t content = versions[res.content].record != kOffRoster ? versions[res.content].record : reference.record;
    OutcomeRecord& r = records_[content];
    keep[content] = true;
    r.observation = "Observation/" + id;
    if (!reference.key.version_id.empty()) r.observation += "/_history/" + reference.key.version_id;
    if (res.state == Resolution::State::Retracted) {
      r.status = "retracted";
      r.usable_status = false;
      r.flag.reset();
      r.reason = "withdrawn: " + res.retraction;
    } else {
      r.status = reference.key.status;
      r.usable_status = isUsableStatus(r.status);
    }
  }
  versions_.clear();
  // Compact in place: no second copy of the records is ever made.
  std::size_t kept = 0;
  for (std::size_t i = 0; i < records_.size(); ++i) {
    if (!keep[i]) continue;
    if (kept != i) records_[kept] = std::move(records_[i]);
    ++kept;
  }
  records_.resize(kept);
  records_.shrink_to_fit();
  selectAndGrade(records_);
  sortInOutputOrder(records_);
  counts_.records_written = records_.size();
  return std::move(records_);
}

}  // namespace fa::engine
