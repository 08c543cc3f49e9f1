#include "bulk/ndjson_ingest.h"

#include <rapidjson/document.h>

#include <memory>

#include "core/version_key.h"
#include "fhir/json_text.h"

namespace fa::bulk {
namespace {

using fhir::findMember;
using fhir::JsonValue;
using fhir::stringMember;

std::string text(const JsonValue& object, std::string_view name) {
  return std::string(stringMember(object, name).value_or(""));
}

// Whether any coding of Observation.code is one of the trial's (mapping::TrialConfig).
bool matchesTrialCode(const JsonValue& resource, const mapping::TrialConfig& config) {
  const JsonValue* code = findMember(resource, "code");
  const JsonValue* codings = code && code->IsObject() ? findMember(*code, "coding") : nullptr;
  if (!codings || !codings->IsArray()) return false;
  for (const auto& c : codings->GetArray()) {
    if (!c.IsObject()) continue;
    if (config.analyteForCoding(stringMember(c, "system").value_or(""), stringMember(c, "code").value_or(""))) return true;
  }
  return false;
}

class Ingest {
 public:
  Ingest(store::ObservationStore& store, const mapping::TrialConfig& config, FileKind kind, std::size_t batch, std::string now)
      : store_(store), config_(config), kind_(kind), batch_(batch ? batch : 1), now_(std::move(now)) {}

  void line(std::string_view raw) {
    ++counts_.lines;
    while (!raw.empty() && (raw.back() == '\r' || raw.back() == ' ' || raw.back() == '\t'))
      raw.remove_suffix(1);
    if (raw.empty()) return;
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseNumbersAsStringsFlag>(raw.data(), raw.size());
    if (doc.HasParseError() || !doc.IsObject() || text(doc, "resourceType").empty()) {
      ++counts_.rejected;
      if (!counts_.first_rejected_line) counts_.first_rejected_line = counts_.lines;
      return;
    }
    if (!transaction_) transaction_ = store::BulkJobStore(store_).beginBatch();
    if (kind_ == FileKind::Output) output(doc, raw);
    if (kind_ == FileKind::Deleted) deleted(doc);
    if (kind_ == FileKind::Error) error(doc);
    if (++in_batch_ >= batch_) commit();
  }

  IngestCounts finish(const std::string& url) {
    if (!transaction_) transaction_ = store::BulkJobStore(store_).beginBatch();
    store::BulkJobStore(store_).markFileFinished(url, kindName(kind_), counts_.lines, now_);
    commit();
    return counts_;
  }

 private:
  void commit() {
    if (transaction_) transaction_->commit();
    transaction_.reset();
    in_batch_ = 0;
  }

  void output(const JsonValue& doc, std::string_view raw) {
    if (text(doc, "resourceType") != "Observation") {
      ++counts_.other_types;
      return;
    }
    const std::string id = text(doc, "id");
    if (id.empty()) {
      ++counts_.rejected;
      if (!counts_.first_rejected_line) counts_.first_rejected_line = counts_.lines;
      return;
    }
    if (!matchesTrialCode(doc, config_)) {
      ++counts_.unmatched_codes;
      return;
    }
    const JsonValue* meta = findMember(doc, "meta");
    std::string version_id;
    std::optional<std::string> last_updated;
    if (meta && meta->IsObject()) {
      version_id = text(*meta, "versionId");
      if (auto lu = stringMember(*meta, "lastUpdated")) last_updated = std::string(*lu);
    }
    store::ObservationVersion v{
        id, core::versionKey(version_id, last_updated), last_updated, text(doc, "status"), std::string(raw), "bulk"};
    if (store_.putVersion(v, now_)) {
      ++counts_.new_versions;
    } else {
      ++counts_.known_versions;
    }
  }

  // A Bundle whose entries say DELETE Observation/{id} (the Bulk Data deleted[] files).
  void deleted(const JsonValue& doc) {
    const JsonValue* entries = findMember(doc, "entry");
    if (!entries || !entries->IsArray()) return;
    for (const auto& e : entries->GetArray()) {
      const JsonValue* request = e.IsObject() ? findMember(e, "request") : nullptr;
      if (!request || !request->IsObject() || text(*request, "method") != "DELETE") continue;
      const std::string url = text(*request, "url");
      constexpr std::string_view kPrefix = "Observation/";
      if (url.rfind(kPrefix, 0) != 0 || url.size() == kPrefix.size()) continue;
      store::Deletion d;
      d.id = url.substr(kPrefix.size(), url.find_first_of("/?", kPrefix.size()) - kPrefix.size());
      if (const JsonValue* response = findMember(e, "response"); response && response->IsObject()) {
        if (auto lm = stringMember(*response, "lastModified")) d.last_modified = std::string(*lm);
      }
      d.source = "bulk";
      if (store_.putDeletion(d, now_)) ++counts_.deletions;
    }
  }

  void error(const JsonValue& doc) {
    const JsonValue* issues = findMember(doc, "issue");
    if (!issues || !issues->IsArray() || issues->Empty()) {
      ++counts_.issues["unknown/unknown"];
      return;
    }
    for (const auto& issue : issues->GetArray()) {
      if (!issue.IsObject()) continue;
      const std::string severity = text(issue, "severity");
      const std::string code = text(issue, "code");
      ++counts_.issues[(severity.empty() ? "unknown" : severity) + "/" + (code.empty() ? "unknown" : code)];
    }
  }

  store::ObservationStore& store_;
  const mapping::TrialConfig& config_;
  FileKind kind_;
  std::size_t batch_;
  std::string now_;
  std::unique_ptr<store::SqliteDb::Transaction> transaction_;
  std::size_t in_batch_ = 0;
  IngestCounts counts_;
};

}  // namespace

const char* kindName(FileKind kind) {
  switch (kind) {
    case FileKind::Output:
      return "output";
    case FileKind::Deleted:
      return "deleted";
    case FileKind::Error:
      return "error";
  }
  return "output";
}

void IngestCounts::add(const IngestCounts& o) {
  lines += o.lines;
  new_versions += o.new_versions;
  known_versions += o.known_versions;
  other_types += o.other_types;
  unmatched_codes += o.unmatched_codes;
  deletions += o.deletions;
  rejected += o.rejected;
  for (const auto& [k, n] : o.issues)
    issues[k] += n;
}

IngestCounts ingestFile(store::ObservationStore& store, const mapping::TrialConfig& config, const std::string& url, FileKind kind,
                        std::string_view body, std::size_t batch_lines, const std::string& now) {
  Ingest ingest(store, config, kind, batch_lines, now);
  while (!body.empty()) {
    const auto nl = body.find('\n');
    ingest.line(body.substr(0, nl));
    if (nl == std::string_view::npos) break;
    body.remove_prefix(nl + 1);
  }
  return ingest.finish(url);
}

}  // namespace fa::bulk
