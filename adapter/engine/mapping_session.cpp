#include "engine/mapping_session.h"

#include <algorithm>
#include <map>

#include "common/ordered_batches.h"
#include "core/ctcae.h"
#include "core/selection.h"
#include "engine/range_selection.h"
#include "engine/record_codec.h"
#include "engine/record_guard.h"
#include "engine/value_evaluation.h"

namespace fa::engine {
namespace {

// A version entry (by_id_): key the Observation id, payload [VersionKey][has record][record];
// the stable sort and the ordered merge keep each id's versions in arrival order.
//
// A resolved record entry: the key orders as docs/contract.md asks (outputOrder): subject_id,
// analyte, effective (null first), observation. The ranks order subject_id and analyte code as
// their texts do; big-endian, so that byte order is number order, in `width` bytes each (2 when
// both lists are that short, else 4: the same for every key of a session), so that the sort's
// 16-byte prefix (sorted_runs.h) reaches into the date; effective ("YYYY-MM-DD", never a NUL)
// ends with a NUL so that a shorter date sorts first, as std::string compares. The observation
// follows without its "Observation/" (the same for every key, so the order is the same): what
// is left starts with the id, which the record's bytes then need not hold (record_codec.h).
constexpr std::string_view kObservationPrefix = "Observation/";

void appendBigEndian(std::string& out, std::size_t value, std::size_t width) {
  for (std::size_t shift = 8 * width; shift > 0; shift -= 8)
    out.push_back(static_cast<char>((value >> (shift - 8)) & 0xff));
}

std::size_t rankWidth(std::size_t subjects, std::size_t analytes) {
  return std::max(subjects, analytes) <= 0x10000 ? 2 : 4;
}

void outputKey(std::size_t width, std::size_t subject_rank, std::size_t analyte_rank, const OutcomeRecord& r, std::string& key) {
  key.clear();
  appendBigEndian(key, subject_rank, width);
  appendBigEndian(key, analyte_rank, width);
  if (r.effective) {
    key.push_back('\1');
    key += *r.effective;
    key.push_back('\0');
  } else {
    key.push_back('\0');
  }
  key.append(std::string_view(r.observation).substr(kObservationPrefix.size()));
}

// "{id}" or "{id}/_history/{version}": the key's observation without its prefix.
std::string_view observationOf(std::string_view key, std::size_t width) {
  std::size_t at = 2 * width;
  if (key.size() > at && key[at] == '\1') at = key.find('\0', at);
  return key.substr(std::min(at + 1, key.size()));
}

// Position of each element in the order of its text.
template <typename Texts>
std::vector<std::size_t> ranksOf(const Texts& texts) {
  std::vector<std::size_t> order(texts.size()), rank(texts.size());
  for (std::size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return texts[a] < texts[b]; });
  for (std::size_t i = 0; i < order.size(); ++i)
    rank[order[i]] = i;
  return rank;
}

}  // namespace

struct MappingSession::Winner {
  core::SelectionCandidate candidate;
  std::optional<core::Flag> flag;
  std::optional<core::Decimal> value;
};

MappingSession::MappingSession(std::shared_ptr<const mapping::TrialConfig> config, std::shared_ptr<const mapping::Roster> roster,
                               SessionOptions options, RejectionHandler on_rejection)
    : config_(std::move(config)),
      roster_(std::move(roster)),
      codings_(config_->coding_index),
      options_(std::move(options)),
      on_rejection_(std::move(on_rejection)),
      // A quarter each for the two sorted runs, which may hold twice that while spilling; their
      // pool keeps at most what one of them holds then.
      blocks_(std::make_shared<RunBlockPool>(options_.memory_budget / 2)),
      by_id_(std::make_unique<SortedRuns>(options_.memory_budget / 4, options_.spill_directory, blocks_)) {
  std::vector<std::string> subjectIds, analyteCodes;
  for (const mapping::Subject& s : roster_->subjects())
    subjectIds.push_back(s.subject_id);
  for (const mapping::AnalyteDefinition& a : config_->analytes)
    analyteCodes.push_back(a.code);
  subject_rank_ = ranksOf(subjectIds);
  analyte_rank_ = ranksOf(analyteCodes);
  rank_width_ = rankWidth(subjectIds.size(), analyteCodes.size());
  const std::vector<core::VisitWindow>& windows = config_->visits.windows();
  for (std::size_t i = 0; i < windows.size(); ++i)
    visit_index_[windows[i].name] = i;
}

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

// What prepare() makes of one resource, for apply(). Reused from resource to resource.
struct MappingSession::Prepared final : fhir::PreparedResource {
  enum class Outcome { Ignored, Rejected, OffRoster, Record };
  Outcome outcome = Outcome::Ignored;
  std::string resource, why;  // Rejected: the resource's name ("" when it has no id) and why
  bool arrived = false;       // Rejected after its version took an arrival number
  std::string id;
  VersionKey key;      // OffRoster and Record: all but the arrival number and Bundle position
  std::string record;  // Record: the evaluated record's bytes (record_codec.h)
};

// A worker's share of the session: reads the session's constant parts only.
class MappingSession::Preparer final : public fhir::ResourcePreparer {
 public:
  explicit Preparer(const MappingSession& session) : session_(session) {}
  bool ignoredAtAGlance(const fhir::QuickResource& resource) override { return session_.ignorable(resource); }
  void prepare(const fhir::JsonValue& resource, const fhir::ParseNotes& notes,
               std::unique_ptr<fhir::PreparedResource>& slot) override {
    if (!slot) slot = std::make_unique<Prepared>();
    // The reader hands back only slots this preparer filled.
    session_.prepare(resource, notes, static_cast<Prepared&>(*slot), scratch_);
  }

 private:
  const MappingSession& session_;
  PrepareScratch scratch_;
};

MappingSession::~MappingSession() = default;

std::unique_ptr<fhir::ResourcePreparer> MappingSession::makePreparer() const {
  return std::make_unique<Preparer>(*this);
}

std::optional<std::size_t> MappingSession::matchAnalyte(const fhir::JsonValue& resource) const {
  std::optional<std::size_t> analyte;
  fhir::forEachCodeCoding(resource, [&](std::string_view system, std::string_view code) {
    analyte = codings_.analyteOf(system, code);
    return analyte.has_value();
  });
  return analyte;
}

// The same decision as the start of prepare(), on what the quick look saw.
bool MappingSession::ignorable(const fhir::QuickResource& resource) const {
  if (resource.resource_type == "Observation") {
    for (const fhir::CodingView& coding : *resource.codings) {
      if (codings_.analyteOf(coding.system, coding.code)) return false;
    }
  }
  return true;
}

bool MappingSession::ignoredAtAGlance(const fhir::QuickResource& resource) {
  if (!ignorable(resource)) return false;
  takenAtAGlance();
  return true;
}

void MappingSession::takenAtAGlance() {
  ++counts_.resources_read;
  ++counts_.ignored;
}

void MappingSession::onResource(const fhir::JsonValue& resource, const fhir::ResourceLocation& where,
                                const std::optional<fhir::BundlePosition>& position) {
  if (!current_) current_ = std::make_unique<Prepared>();
  if (!scratch_) scratch_ = std::make_unique<PrepareScratch>();
  prepare(resource, fhir::ParseNotes{}, *current_, *scratch_);  // nothing known: every check runs
  apply(*current_, where, position);
}

void MappingSession::applyPrepared(fhir::PreparedResource& prepared, const fhir::ResourceLocation& where) {
  // Only this session's preparers fill the slots the reader hands back.
  apply(static_cast<Prepared&>(prepared), where, std::nullopt);
}

void MappingSession::prepare(const fhir::JsonValue& resource, const fhir::ParseNotes& notes, Prepared& out,
                             PrepareScratch& scratch) const {
  out.outcome = Prepared::Outcome::Ignored;
  if (fhir::stringMember(resource, "resourceType").value_or("") != "Observation") return;
  // Match the code first: most of a hospital's Observations are not the trial's business and
  // are ignored without further checks (docs/contract.md).
  const std::optional<std::size_t> analyte = matchAnalyte(resource);
  if (!analyte) return;
  // The resource's name is built for a rejection only: for every resource it cost two allocations.
  auto rejected = [&](std::string why, bool arrived) {
    const std::string_view id = fhir::stringMember(resource, "id").value_or("");
    out.outcome = Prepared::Outcome::Rejected;
    out.resource = id.empty() ? std::string() : "Observation/" + std::string(id);
    out.why = std::move(why);
    out.arrived = arrived;
  };
  fhir::ObservationFacts& facts = scratch.facts;  // views into `resource`
  if (auto error = fhir::parseObservation(resource, facts, notes.may_hold_modifier_extension))
    return rejected(error->field + " " + error->message, false);
  for (const std::string_view url : facts.modifier_extensions) {
    if (!config_->acceptsModifierExtension(url))
      return rejected("unknown modifierExtension \"" + std::string(url) + "\": FHIR forbids processing this resource", false);
  }
  std::optional<std::size_t> subject;
  if (!facts.subject_reference.empty()) subject = roster_->matchReference(facts.subject_reference, options_.base_url);
  if (!subject && facts.subject_identifier)
    subject = roster_->matchIdentifier(facts.subject_identifier->first, facts.subject_identifier->second);

  out.key.version_id.assign(facts.version_id);
  out.key.last_updated = facts.last_updated;
  out.key.status.assign(facts.status);
  out.id.assign(facts.id);
  if (!subject) {
    out.outcome = Prepared::Outcome::OffRoster;
    return;
  }
  OutcomeRecord& record = scratch.record;
  auto failure = evaluationFailure([&](std::string_view& element) { evaluate(facts, *analyte, *subject, element, record); });
  if (failure) return rejected(std::move(*failure), true);
  out.outcome = Prepared::Outcome::Record;
  out.record.clear();
  ByteWriter w(out.record);
  encodeRecord(w, record);
}

void MappingSession::apply(Prepared& p, const fhir::ResourceLocation& where,
                           const std::optional<fhir::BundlePosition>& position) {
  ++counts_.resources_read;
  switch (p.outcome) {
    case Prepared::Outcome::Ignored:
      ++counts_.ignored;
      return;
    case Prepared::Outcome::Rejected:
      if (p.arrived) ++seen_;  // as when the version was numbered before it failed
      reject(where, p.resource, p.why);
      return;
    case Prepared::Outcome::OffRoster:
    case Prepared::Outcome::Record:
      break;
  }
  VersionKey& key = p.key;
  key.seen = ++seen_;
  key.bundle.reset();
  key.bundle_index = 0;
  if (position) {
    key.bundle = position->bundle;
    key.bundle_index = position->index;
  }
  if (p.outcome == Prepared::Outcome::OffRoster) {
    ++counts_.skipped_not_on_roster;
    // Kept as a marker: a newer version moved off the roster must hide an older one. finish()
    // drops the markers that come before the id's first record.
    keepVersion(p.id, key, nullptr);
    return;
  }
  keepVersion(p.id, key, &p.record);
}

void MappingSession::keepVersion(const std::string& id, const VersionKey& key, const std::string* record) {
  entry_.clear();
  {
    ByteWriter w(entry_);
    encodeVersionKey(w, key);
    w.byte(record ? 1 : 0);
    if (record) w.raw(*record);
  }  // the writer's bytes are all in entry_ once it is gone
  by_id_->add(id, entry_);
}

void MappingSession::onDelete(const fhir::DeleteNotice& notice) {
  if (notice.resource_type != "Observation") return;
  DeleteKey key;
  key.last_modified = notice.last_modified;
  key.bundle = notice.position.bundle;
  key.bundle_index = notice.position.index;
  deletes_[notice.id].push_back(key);
}

namespace {

void assignText(std::optional<std::string>& out, const std::optional<std::string_view>& text) {
  if (!text)
    out.reset();
  else if (out)
    out->assign(*text);
  else
    out.emplace(*text);
}

// What a (reused) record takes from the resource before any rule runs: which resource and
// version, for whom and what. What evaluate() sets on only some paths starts out empty.
// subject_id, analyte and unit are not kept (record_codec.h): finish() sets them.
void startRecord(const fhir::ObservationFacts& f, std::size_t analyte_index, std::size_t subject_index, OutcomeRecord& r) {
  r.resource_id.assign(f.id);
  r.last_updated = f.last_updated;
  r.subject_index = subject_index;
  r.analyte_index = analyte_index;
  r.status.assign(f.status);
  r.usable_status = isUsableStatus(r.status);
  r.collected.reset();
  r.effective.reset();
  r.study_day.reset();
  r.ctcae_grade.reset();
  r.selected = r.baseline = false;
}

}  // namespace

void MappingSession::evaluate(const fhir::ObservationFacts& f, std::size_t analyte_index, std::size_t subject_index,
                              std::string_view& element, OutcomeRecord& r) const {
  const mapping::AnalyteDefinition& analyte = config_->analytes[analyte_index];
  const mapping::Subject& subject = roster_->subject(subject_index);
  startRecord(f, analyte_index, subject_index, r);

  element = "effective[x]";
  if (f.effective) {
    core::SiteTime t = core::toSiteTime(*f.effective, config_->time_zone);
    r.collected = t.instant;
    if (t.local_date) {
      r.effective = core::formatIsoDate(*t.local_date);
      if (subject.dose1) r.study_day = core::studyDay(*t.local_date, *subject.dose1);
    }
  }
  const core::VisitWindow* window = r.study_day ? config_->visits.windowFor(*r.study_day) : nullptr;
  if (window)
    r.visit.assign(window->name);
  else
    r.visit.assign(core::kUnscheduledVisit);

  const std::string_view valueElement = f.value_type.empty() ? std::string_view("value[x]") : std::string_view(f.value_type);
  element = valueElement;
  EvaluatedValue value = evaluateValue(f, analyte);
  r.value = value.value;
  r.comparator = value.comparator;
  assignText(r.source_value, value.source_value);
  assignText(r.source_unit, value.source_unit);
  r.reason = std::move(value.reason);

  element = "referenceRange";
  SelectedRange range = selectRange(f, value, analyte, subject);
  r.range = range.range;
  r.ref_source = range.source;
  element = valueElement;

  r.flag.reset();
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
}

// One id's record as resolving leaves it: its output entry and its bid for selection.
struct MappingSession::ResolvedId {
  std::string key, payload;
  bool contends = false;  // eligible for selection
  WinnerKey winner_key;
  Winner bid;
};

bool MappingSession::resolveId(std::string_view id, std::span<const std::string_view> entries, ResolveScratch& scratch,
                               ResolvedId& out) const {
  std::vector<std::string_view>& records = scratch.records;
  records.clear();
  std::size_t kept = 0;
  for (const std::string_view e : entries) {
    ByteReader r(e);
    if (kept == scratch.keys.size()) scratch.keys.emplace_back();
    decodeVersionKey(r, scratch.keys[kept]);
    const bool has = r.byte() != 0;
    if (!has && records.empty()) continue;  // before the id's first record: never stored
    ++kept;
    records.push_back(has ? r.rest() : std::string_view());
  }
  if (kept == 0) return false;
  const std::span<const VersionKey> keys(scratch.keys.data(), kept);
  static const std::vector<DeleteKey> kNoDeletes;
  auto d = deletes_.empty() ? deletes_.end() : deletes_.find(std::string(id));
  Resolution res = resolveVersions(keys, d == deletes_.end() ? kNoDeletes : d->second);
  if (res.state == Resolution::State::Hidden || records[res.reference].empty()) return false;
  const std::size_t content = !records[res.content].empty() ? res.content : res.reference;
  OutcomeRecord& r = scratch.record;
  ByteReader reader(records[content]);
  decodeRecordHead(reader, id, r);
  r.observation.assign(kObservationPrefix).append(id);
  if (!keys[res.reference].version_id.empty()) r.observation.append("/_history/").append(keys[res.reference].version_id);
  // Most ids have one version, which names itself: the record then leaves as the bytes it came
  // in with (encoding it again would give the same bytes), and its tail is never decoded here.
  bool unchanged = false;
  if (res.state == Resolution::State::Retracted) {
    decodeRecordTail(reader, r);
    r.status = "retracted";
    r.usable_status = false;
    r.flag.reset();
    r.reason = "withdrawn: " + res.retraction;
  } else {
    const bool usable = isUsableStatus(keys[res.reference].status);
    unchanged = r.status == keys[res.reference].status && r.usable_status == usable;
    if (!unchanged) decodeRecordTail(reader, r);
    r.status = keys[res.reference].status;
    r.usable_status = usable;
  }
  bidForSelection(r, out);
  outputKey(rank_width_, subject_rank_[r.subject_index], analyte_rank_[r.analyte_index], r, out.key);
  if (unchanged) {
    out.payload.assign(records[content]);
  } else {
    out.payload.clear();
    ByteWriter w(out.payload);
    encodeRecord(w, r);
  }
  return true;
}

// Selection per subject, analyte and visit: a record's bid, when it is eligible.
void MappingSession::bidForSelection(const OutcomeRecord& r, ResolvedId& out) const {
  out.contends = r.usable_status && r.status != "retracted" && r.flag && *r.flag != core::Flag::Indeterminate && r.study_day;
  const auto visit = out.contends ? visit_index_.find(r.visit) : visit_index_.end();
  out.contends = visit != visit_index_.end();
  if (!out.contends) return;
  core::SelectionCandidate& candidate = out.bid.candidate;
  candidate.study_day = *r.study_day;
  candidate.collected = r.collected;
  candidate.last_updated = r.last_updated;
  candidate.id.assign(r.resource_id);
  out.bid.flag = r.flag;
  out.bid.value = r.value;
  out.winner_key = WinnerKey{r.subject_index, r.analyte_index, visit->second};
}

// The best eligible record so far, ids taken in order: only a new or better winner is copied.
void MappingSession::considerForSelection(const ResolvedId& r, Winners& winners) const {
  if (!r.contends) return;
  auto [it, first] = winners.try_emplace(r.winner_key, r.bid);
  if (!first && core::representsVisitBetter(r.bid.candidate, it->second.candidate, window(r.winner_key.visit).target_day))
    it->second = r.bid;
}

void MappingSession::markAndGrade(OutcomeRecord& r, const Winners& winners,
                                  const std::map<std::pair<std::size_t, std::size_t>, const Winner*>& baselines) const {
  if (const auto visit = visit_index_.find(r.visit); visit != visit_index_.end()) {
    const auto it = winners.find(WinnerKey{r.subject_index, r.analyte_index, visit->second});
    if (it != winners.end() && it->second.candidate.id == r.resource_id) {
      r.selected = true;
      r.baseline = window(visit->second).baseline;
    }
  }
  // CTCAE grades; the baseline-relative rules need the selected baseline.
  const auto& criterion = config_->analytes[r.analyte_index].ctcae;
  if (r.status == "retracted" || !criterion || !r.value) return;
  core::GradeReferences refs{r.range.high, r.range.low, std::nullopt};
  const core::GradingScale* scale = &criterion->scale;
  if (criterion->baseline_rule_flag && r.study_day && *r.study_day > 1) {
    auto b = baselines.find({r.subject_index, r.analyte_index});
    if (b != baselines.end()) {
      const Winner& base = *b->second;
      if (base.flag == criterion->baseline_rule_flag && base.value) {
        scale = &criterion->baseline_scale;
        refs.baseline = base.value;
      }
    }
  }
  r.ctcae_grade = core::gradeInterval(core::intervalFor(*r.value, r.comparator), *scale, refs);
}

// What resolving leaves for the output: the records in output order, and what marks them.
struct MappingSession::Resolved {
  Resolved(std::size_t budget, const std::string& directory, std::shared_ptr<RunBlockPool> pool)
      : records(budget, directory, std::move(pool)) {}
  SortedRuns records;
  Winners winners;
  // With several baseline windows the last in key order counts, as a map assignment does.
  std::map<std::pair<std::size_t, std::size_t>, const Winner*> baselines;
};

namespace {

// Whole ids (each with its versions) on their way to a resolving worker.
struct IdBatch {
  std::string bytes;  // ids and versions, back to back
  struct Id {
    std::size_t at = 0;                // the id's offset in bytes
    std::uint32_t size = 0;            // the id's length
    std::size_t first = 0, count = 0;  // its versions in `versions`
  };
  std::vector<Id> ids;
  std::vector<std::pair<std::size_t, std::size_t>> versions;  // offset and length in bytes
  void clear() {
    bytes.clear();
    ids.clear();
    versions.clear();
  }
};

constexpr std::size_t kIdBatchBytes = 256 << 10;

}  // namespace

// What each resolving worker reuses from batch to batch.
struct MappingSession::IdBatchWork {
  IdBatch batch;
  std::vector<MappingSession::ResolvedId> resolved;  // per id of the batch
  std::vector<char> has;                             // whether that id has a record
};

// Versions by id (arrival order within an id) -> one resolved record per id, sorted for
// output; the selection winners are known once every id is resolved. With threads > 1 the
// merge and the selection stay on this thread (both go in id order) and workers resolve.
std::unique_ptr<MappingSession::Resolved> MappingSession::resolveAll(unsigned threads) {
  auto resolved = std::make_unique<Resolved>(options_.memory_budget / 4, options_.spill_directory, blocks_);
  const auto keep = [&](const ResolvedId& r) {
    considerForSelection(r, resolved->winners);
    resolved->records.add(r.key, r.payload);
  };
  if (threads <= 1) {
    ResolveScratch scratch;
    ResolvedId out;
    std::string id;
    // An id's versions; the strings are reused from id to id (no allocation per version).
    std::vector<std::string> group;
    std::size_t versions = 0;
    std::vector<std::string_view> views;
    const auto resolveGroup = [&] {
      views.assign(group.begin(), group.begin() + static_cast<std::ptrdiff_t>(versions));
      if (resolveId(id, views, scratch, out)) keep(out);
      versions = 0;
    };
    by_id_->forEach([&](std::string_view entryId, std::string_view payload) {
      if (versions > 0 && entryId != id) resolveGroup();
      if (versions == 0) id.assign(entryId);
      if (versions == group.size()) group.emplace_back();
      group[versions++].assign(payload);
    });
    if (versions > 0) resolveGroup();
  } else {
    resolveInParallel(threads, keep);
  }
  by_id_.reset();
  // With several baseline windows (the mappings loader allows one; a config built in code may
  // have more), the one whose name sorts last counts, whatever order the winners come in.
  std::map<std::pair<std::size_t, std::size_t>, const core::VisitWindow*> baseline_window;
  for (const auto& [key, winner] : resolved->winners) {
    const core::VisitWindow& visit = window(key.visit);
    if (!visit.baseline) continue;
    const std::pair<std::size_t, std::size_t> at{key.subject, key.analyte};
    auto [it, first] = baseline_window.try_emplace(at, &visit);
    if (!first && visit.name < it->second->name) continue;
    it->second = &visit;
    resolved->baselines[at] = &winner;
  }
  return resolved;
}

void MappingSession::resolveInParallel(unsigned threads, const std::function<void(const ResolvedId&)>& keep) {
  std::vector<ResolveScratch> scratch(threads);
  std::vector<std::vector<std::string_view>> views(threads);
  common::OrderedBatches<IdBatchWork> batches(threads, [&](IdBatchWork& work, std::size_t w) {
    const IdBatch& b = work.batch;
    if (work.resolved.size() < b.ids.size()) work.resolved.resize(b.ids.size());
    work.has.assign(b.ids.size(), 0);
    for (std::size_t i = 0; i < b.ids.size(); ++i) {
      const IdBatch::Id& id = b.ids[i];
      views[w].clear();
      for (std::size_t v = id.first; v < id.first + id.count; ++v)
        views[w].emplace_back(b.bytes.data() + b.versions[v].first, b.versions[v].second);
      work.has[i] = resolveId(std::string_view(b.bytes.data() + id.at, id.size), views[w], scratch[w], work.resolved[i]);
    }
  });
  const auto take = [&](IdBatchWork& work) {
    for (std::size_t i = 0; i < work.batch.ids.size(); ++i) {
      if (work.has[i]) keep(work.resolved[i]);
    }
  };
  IdBatch* current = &batches.next(take).batch;
  current->clear();
  std::string id;  // the id being gathered
  by_id_->forEach([&](std::string_view entryId, std::string_view payload) {
    if (current->ids.empty() || entryId != id) {
      // A batch ends between ids only: each id's versions are resolved together.
      if (current->bytes.size() >= kIdBatchBytes) {
        batches.submit();
        current = &batches.next(take).batch;
        current->clear();
      }
      id.assign(entryId);
      current->ids.push_back({current->bytes.size(), static_cast<std::uint32_t>(entryId.size()), current->versions.size(), 0});
      current->bytes.append(entryId);
    }
    current->versions.emplace_back(current->bytes.size(), payload.size());
    current->bytes.append(payload);
    ++current->ids.back().count;
  });
  if (!current->ids.empty()) batches.submit();
  batches.drain(take);
}

// One resolved entry to its output record, marked and graded. `record` is decoded into again
// and again (decodeRecord overwrites every field), so its strings keep their capacity.
void MappingSession::outputRecord(std::string_view key, std::string_view payload, const Resolved& resolved,
                                  OutcomeRecord& record) const {
  ByteReader r(payload);
  const std::string_view observation = observationOf(key, rank_width_);
  decodeRecord(r, observation, record);
  record.observation.assign(kObservationPrefix).append(observation);
  record.subject_id.assign(roster_->subject(record.subject_index).subject_id);
  const mapping::AnalyteDefinition& analyte = config_->analytes[record.analyte_index];
  record.analyte.assign(analyte.code);
  record.unit.assign(analyte.standard_unit);
  markAndGrade(record, resolved.winners, resolved.baselines);
}

void MappingSession::finish(const RecordSink& sink) {
  std::unique_ptr<Resolved> resolved = resolveAll(1);
  OutcomeRecord record;
  resolved->records.forEach([&](std::string_view key, std::string_view payload) {
    outputRecord(key, payload, *resolved, record);
    ++counts_.records_written;
    sink(std::move(record));
  });
}

namespace {

// Resolved entries on their way to a worker, and the text it made of them.
struct OutputBatch {
  std::string entries;                                         // keys and payloads, back to back
  std::vector<std::pair<std::uint32_t, std::uint32_t>> sizes;  // each entry's key and payload size
  std::string text;
  void clear() {
    entries.clear();
    sizes.clear();
  }
};

// Output is handed to the writer in blocks of about this size.
constexpr std::size_t kTextBlock = 1 << 20;
// Entries per batch: enough that handing a batch over costs little against formatting it.
constexpr std::size_t kOutputBatchBytes = 256 << 10;

}  // namespace

void MappingSession::finish(const RecordFormatter& format, const TextSink& write, unsigned threads) {
  if (threads <= 1) {
    std::string text;
    finish([&](OutcomeRecord&& record) {
      format(record, text);
      if (text.size() >= kTextBlock) {
        write(text);
        text.clear();
      }
    });
    if (!text.empty()) write(text);
    return;
  }
  std::unique_ptr<Resolved> resolved = resolveAll(threads);
  // The merge stays on this thread (it is one ordered stream); decoding, marking, grading and
  // formatting go to the workers, and their text comes back in output order.
  std::vector<OutcomeRecord> records(threads);  // one per worker, reused
  common::OrderedBatches<OutputBatch> batches(threads, [&](OutputBatch& b, std::size_t w) {
    b.text.clear();
    std::size_t at = 0;
    for (const auto& [keySize, payloadSize] : b.sizes) {
      const std::string_view entry(b.entries.data() + at, std::size_t{keySize} + payloadSize);
      outputRecord(entry.substr(0, keySize), entry.substr(keySize), *resolved, records[w]);
      format(records[w], b.text);
      at += entry.size();
    }
  });
  const auto take = [&](OutputBatch& b) {
    if (!b.text.empty()) write(b.text);
  };
  OutputBatch* current = &batches.next(take);
  current->clear();
  resolved->records.forEach([&](std::string_view key, std::string_view payload) {
    ++counts_.records_written;
    current->entries.append(key).append(payload);
    current->sizes.emplace_back(static_cast<std::uint32_t>(key.size()), static_cast<std::uint32_t>(payload.size()));
    if (current->entries.size() < kOutputBatchBytes) return;
    batches.submit();
    current = &batches.next(take);
    current->clear();
  });
  if (!current->sizes.empty()) batches.submit();
  batches.drain(take);
}

OutcomeRecords MappingSession::finish() {
  OutcomeRecords records;
  finish([&](OutcomeRecord&& r) { records.push_back(std::move(r)); });
  return records;
}

}  // namespace fa::engine
