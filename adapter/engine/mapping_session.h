#pragma once
// MappingSession: FHIR resources in, outcome records out. The one engine call behind `map`,
// the poller and the subscription receiver.
//
// Feed it resources (directly or as a fhir::ResourceSink behind readResources), then call
// finish(). Resources are reduced at once to compact facts; only Observations that match an
// analyte and a rostered subject are kept, so memory grows with the trial's records, not with
// the input. Not thread-safe; one session per run.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/outcome_record.h"
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
  std::string base_url;  // restricts absolute subject references to this server ("" = any)
};

class MappingSession : public fhir::ResourceSink {
 public:
  using RejectionHandler = std::function<void(const Rejection&)>;

  MappingSession(std::shared_ptr<const mapping::TrialConfig> config, std::shared_ptr<const mapping::Roster> roster,
                 SessionOptions options, RejectionHandler on_rejection);

  void onResource(const fhir::JsonValue& resource, const fhir::ResourceLocation& where,
                  const std::optional<fhir::BundlePosition>& position) override;
  void onDelete(const fhir::DeleteNotice& notice) override;
  void onInputError(const fhir::ResourceLocation& where, const std::string& message) override;
  // An input that could not be opened counts as rejected input.
  void rejectInput(const std::string& where, const std::string& why);

  // Resolves versions, selects and grades; records in output order. Call once: the stored
  // versions are consumed.
  OutcomeRecords finish();
  const MapCounts& counts() const { return counts_; }

 private:
  // A version is evaluated as soon as it is read (value, range, flag, study day and visit
  // depend on it alone) and only the record is kept, not the parsed facts: memory per matched
  // version is one record. Selection, grading and version resolution wait for finish().
  struct StoredVersion {
    VersionKey key;
    std::size_t record = kOffRoster;  // index into records_
  };
  static constexpr std::size_t kOffRoster = static_cast<std::size_t>(-1);

  // The analyte whose code one of the resource's code.coding matches.
  std::optional<std::size_t> matchAnalyte(const fhir::JsonValue& resource);
  void reject(const fhir::ResourceLocation& where, const std::string& resource, const std::string& why);
  // `element` names the part being evaluated, for the rejection when a rule throws.
  OutcomeRecord evaluate(const fhir::ObservationFacts& facts, std::size_t analyte, std::size_t subject,
                         std::string& element) const;
  void selectAndGrade(OutcomeRecords& records) const;

  std::shared_ptr<const mapping::TrialConfig> config_;
  std::shared_ptr<const mapping::Roster> roster_;
  SessionOptions options_;
  RejectionHandler on_rejection_;
  MapCounts counts_;
  std::uint64_t seen_ = 0;
  std::unordered_map<std::string, std::vector<StoredVersion>> versions_;  // by Observation id
  OutcomeRecords records_;                                                // one per stored version, evaluated on arrival
  std::unordered_map<std::string, std::vector<DeleteKey>> deletes_;
  std::string coding_key_;  // "system|code" being looked up, reused
};

}  // namespace fa::engine
