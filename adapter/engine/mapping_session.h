#pragma once
// MappingSession: FHIR resources in, outcome records out. The one engine call behind `map`,
// the poller and the subscription receiver.
//
// Feed it resources (directly or as a fhir::ResourceSink behind readResources), then call
// finish(). Resources are reduced at once to compact facts; only Observations that match an
// analyte and a rostered subject are kept, so memory grows with the trial's records, not with
// the input. Not thread-safe; one session per run (its preparers may run on other threads while
// the session's own calls stay on one).
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/selection.h"
#include "engine/coding_lookup.h"
#include "engine/outcome_record.h"
#include "engine/sorted_runs.h"
#include "engine/version_resolution.h"
#include "fhir/observation_facts.h"
#include "fhir/resource_stream.h"
#include "mapping/roster.h"
#include "mapping/trial_config.h"

namespace fa::engine {

struct MapCounts {
  std::uint64_t resources_read = 0;
  std::uint64_t records_written = 0;
  std::uint64_t rejected = 0;
  std::uint64_t skipped_not_on_roster = 0;
  std::uint64_t ignored = 0;  // not an Observation, or no analyte code
};

// One rejected input: where, which resource (if known) and why. Never carries PHI: only
// locations, resource ids and element names.
struct Rejection {
  std::string where;
  std::string resource;  // "Observation/abc" or ""
  std::string why;
};

struct SessionOptions {
  SessionOptions() = default;
  // Callers write {base_url}; a constructor, so the other members keep their defaults silently.
  SessionOptions(std::string base) : base_url(std::move(base)) {}  // NOLINT(google-explicit-constructor)

  std::string base_url;  // restricts absolute subject references to this server ("" = any)
  // What the versions and records held between reading and output may take; past it they are
  // spilled as sorted runs to unlinked temporary files in spill_directory ("" = $TMPDIR or
  // /tmp) and merged back, so memory stays flat whatever the input size. Each of the two
  // sorted runs gets a quarter: a run being written holds its entries too (sorted_runs.h).
  std::size_t memory_budget = std::size_t{64} << 20;
  std::string spill_directory;
  // Take NDJSON lines of other resource types and codes at a glance (fhir/line_triage.h). Off
  // only to compare both paths in tests: output and counts are the same either way.
  bool quick_look = true;
};

class MappingSession : public fhir::ResourceSink {
 public:
  using RejectionHandler = std::function<void(const Rejection&)>;

  MappingSession(std::shared_ptr<const mapping::TrialConfig> config, std::shared_ptr<const mapping::Roster> roster,
                 SessionOptions options, RejectionHandler on_rejection);
  ~MappingSession() override;
  MappingSession(const MappingSession&) = delete;
  MappingSession& operator=(const MappingSession&) = delete;

  void onResource(const fhir::JsonValue& resource, const fhir::ResourceLocation& where,
                  const std::optional<fhir::BundlePosition>& position) override;
  void onDelete(const fhir::DeleteNotice& notice) override;
  void onInputError(const fhir::ResourceLocation& where, const std::string& message) override;
  // Lines of other resource types and codes are taken at a glance (fhir/line_triage.h).
  bool wantsQuickLook() const override { return options_.quick_look; }
  bool ignoredAtAGlance(const fhir::QuickResource& resource) override;
  // Parallel reading (fhir/resource_stream.h): prepare() runs on the reader's workers, apply()
  // on the reader's thread in input order; onResource is the two in a row.
  bool preparesInParallel() const override { return true; }
  std::unique_ptr<fhir::ResourcePreparer> makePreparer() const override;
  void applyPrepared(fhir::PreparedResource& prepared, const fhir::ResourceLocation& where) override;
  void takenAtAGlance() override;
  // An input that could not be opened counts as rejected input.
  void rejectInput(const std::string& where, const std::string& why);

  using RecordSink = std::function<void(OutcomeRecord&&)>;
  // Resolves versions, selects and grades; hands each record to `sink` in output order without
  // holding them all. Call once (either form): the stored versions are consumed.
  void finish(const RecordSink& sink);
  // The same, collected.
  OutcomeRecords finish();
  // The same, each record formatted by `format` (appending to its text) and the text handed to
  // `write` in output order, in blocks. With threads > 1 the records are decoded, graded and
  // formatted on that many workers: `format` must then touch nothing shared.
  using RecordFormatter = std::function<void(const OutcomeRecord&, std::string& text)>;
  using TextSink = std::function<void(std::string_view text)>;
  void finish(const RecordFormatter& format, const TextSink& write, unsigned threads);
  const MapCounts& counts() const { return counts_; }

 private:
  // A version is evaluated as soon as it is read (value, range, flag, study day and visit
  // depend on it alone) and only its compact bytes are kept (record_codec.h), sorted by
  // Observation id; selection, grading and version resolution wait for finish().
  struct Winner;
  // Selection is per subject, analyte and visit window; the window by its index in the config.
  // Hashed: a map ordered by (subject, analyte, visit name) cost a dozen tuple and string
  // compares per record, on the one thread that resolving waits for.
  struct WinnerKey {
    std::size_t subject = 0, analyte = 0, visit = 0;
    bool operator==(const WinnerKey&) const = default;
  };
  struct WinnerKeyHash {
    std::size_t operator()(const WinnerKey& k) const noexcept { return (k.subject << 32) ^ (k.analyte << 16) ^ k.visit; }
  };
  using Winners = std::unordered_map<WinnerKey, Winner, WinnerKeyHash>;

  struct Prepared;
  class Preparer;
  // What prepare() reuses from one resource to the next, so that it allocates next to nothing:
  // one per preparer (and one for onResource).
  struct PrepareScratch {
    fhir::ObservationFacts facts;
    OutcomeRecord record;
  };
  // Everything about one resource that depends on it alone: parsed, matched and evaluated.
  // Reads only the configuration and roster, so workers may call it at once.
  void prepare(const fhir::JsonValue& resource, const fhir::ParseNotes& notes, Prepared& out, PrepareScratch& scratch) const;
  // Counts, rejects or keeps what prepare() made, in input order.
  void apply(Prepared& prepared, const fhir::ResourceLocation& where, const std::optional<fhir::BundlePosition>& position);
  // The analyte whose code one of the resource's code.coding matches.
  std::optional<std::size_t> matchAnalyte(const fhir::JsonValue& resource) const;
  bool ignorable(const fhir::QuickResource& resource) const;
  void reject(const fhir::ResourceLocation& where, const std::string& resource, const std::string& why);
  // Evaluates into `r`, setting every field record_codec.h keeps (`r` is reused). `element`
  // names the member being evaluated, for the rejection when a rule throws (record_guard.h);
  // it views static text or `facts`.
  void evaluate(const fhir::ObservationFacts& facts, std::size_t analyte, std::size_t subject, std::string_view& element,
                OutcomeRecord& r) const;
  // `record`: the encoded record, or null for an off-roster marker.
  void keepVersion(const std::string& id, const VersionKey& key, const std::string* record);
  struct Resolved;
  struct ResolvedId;
  struct IdBatchWork;
  std::unique_ptr<Resolved> resolveAll(unsigned threads);
  void resolveInParallel(unsigned threads, const std::function<void(const ResolvedId&)>& keep);
  void outputRecord(std::string_view key, std::string_view payload, const Resolved& resolved, OutcomeRecord& record) const;
  // What resolving reuses from one id to the next, so that it allocates nothing per id.
  struct ResolveScratch {
    std::vector<VersionKey> keys;
    std::vector<std::string_view> records;  // "" for an off-roster marker
    OutcomeRecord record;
  };
  // One id's entries (in arrival order) to its output entry and selection bid in `out`; false
  // when the id has no record. Reads only what stays constant while resolving.
  bool resolveId(std::string_view id, std::span<const std::string_view> entries, ResolveScratch& scratch, ResolvedId& out) const;
  void bidForSelection(const OutcomeRecord& r, ResolvedId& out) const;
  void considerForSelection(const ResolvedId& r, Winners& winners) const;
  void markAndGrade(OutcomeRecord& r, const Winners& winners,
                    const std::map<std::pair<std::size_t, std::size_t>, const Winner*>& baselines) const;
  std::shared_ptr<const mapping::TrialConfig> config_;
  std::shared_ptr<const mapping::Roster> roster_;
  CodingLookup codings_;  // config_'s coding_index, looked up without joining system and code
  SessionOptions options_;
  RejectionHandler on_rejection_;
  MapCounts counts_;
  std::uint64_t seen_ = 0;
  // Blocks the sorted runs are done with (spilled or merged), filled again before any new one is
  // allocated: mostly, the records in output order fill what the versions by id left.
  std::shared_ptr<RunBlockPool> blocks_;
  std::unique_ptr<SortedRuns> by_id_;  // one entry per kept version, by Observation id
  std::unordered_map<std::string, std::vector<DeleteKey>> deletes_;
  std::vector<std::size_t> subject_rank_, analyte_rank_;  // output order of subject_id and analyte code
  std::size_t rank_width_ = 4;                            // bytes of each rank in an output key
  // A visit name's window in config_->visits.windows() (the last of that name).
  std::map<std::string, std::size_t, std::less<>> visit_index_;
  const core::VisitWindow& window(std::size_t index) const { return config_->visits.windows()[index]; }
  std::unique_ptr<PrepareScratch> scratch_;  // onResource's, reused
  std::unique_ptr<Prepared> current_;        // onResource's, reused
  std::string entry_;                        // the version being encoded, reused
};

}  // namespace fa::engine
