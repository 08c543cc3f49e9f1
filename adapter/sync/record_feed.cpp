#include "sync/record_feed.h"

#include <rapidjson/document.h>

#include <algorithm>

#include "common/json_bounded_parse.h"
#include "core/civil_time.h"

namespace fa::sync {
namespace {

// One session and the stored version it is being fed, so that a rejection (reported during
// onResource) names its version.
class Feeder {
 public:
  Feeder(const RecordBasis& basis, engine::MappingSession::RejectionHandler forward)
      : forward_(std::move(forward)),
        session_(basis.config, basis.roster, {basis.base_url}, [this](const engine::Rejection& r) { onRejection(r); }) {}

  // `keep`: the version's rejection and skip go into the result.
  void version(const store::ObservationVersion& v, bool keep) {
    current_ = &v;
    keep_ = keep;
    const std::uint64_t skipped = session_.counts().skipped_not_on_roster;
    fhir::ResourceLocation where{"store", 0, {}};
    // The previous version's values go first: a document's pool only grows, and one feed
    // parses every stored version (as readNdjson does per line; the session keeps no views).
    doc_.SetNull();
    doc_.GetAllocator().Clear();
    if (common::parseTextBounded<rapidjson::kParseNumbersAsStringsFlag>(doc_, v.resource).result.IsError())
      session_.onInputError(where, "stored Observation/" + v.id + " is not JSON");
    else
      session_.onResource(doc_, where, std::nullopt);
    if (keep) result_.skipped += session_.counts().skipped_not_on_roster - skipped;
    current_ = nullptr;
  }

  void deletions(const std::vector<store::Deletion>& deletions) {
    for (const store::Deletion& d : deletions) {
      fhir::DeleteNotice notice;
      notice.resource_type = "Observation";
      notice.id = d.id;
      if (d.last_modified) {
        if (auto parsed = core::parseFhirDateTime(*d.last_modified)) notice.last_modified = core::toSiteTime(*parsed, 0).instant;
      }
      session_.onDelete(notice);
    }
  }

  FeedResult finish() {
    result_.records = session_.finish();
    result_.counts = session_.counts();
    return std::move(result_);
  }

 private:
  void onRejection(const engine::Rejection& r) {
    if (forward_) forward_(r);
    if (current_ && keep_) result_.rejections.push_back({current_->id, current_->version_key, r.resource, r.why});
  }

  engine::MappingSession::RejectionHandler forward_;
  engine::MappingSession session_;
  rapidjson::Document doc_;
  const store::ObservationVersion* current_ = nullptr;
  bool keep_ = false;
  FeedResult result_;
};

}  // namespace

FeedResult feedAll(store::ObservationStore& store, const RecordBasis& basis,
                   const engine::MappingSession::RejectionHandler& on_rejection) {
  Feeder feeder(basis, on_rejection);
  store.forEachVersion([&](const store::ObservationVersion& v) { feeder.version(v, true); });
  feeder.deletions(store.deletions());
  return feeder.finish();
}

FeedResult feedIds(store::ObservationStore& store, const RecordBasis& basis, const std::vector<std::string>& ids,
                   const std::vector<std::pair<std::string, std::string>>* fresh) {
  Feeder feeder(basis, nullptr);
  std::pair<std::string, std::string> key;
  store.forEachVersionOf(ids, [&](const store::ObservationVersion& v) {
    key.first = v.id;
    key.second = v.version_key;
    feeder.version(v, fresh && std::binary_search(fresh->begin(), fresh->end(), key));
  });
  feeder.deletions(store.deletionsOf(ids));
  return feeder.finish();
}

}  // namespace fa::sync
