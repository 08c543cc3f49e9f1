#include "bulk/manifest.h"

#include <rapidjson/document.h>

#include "fhir/json_text.h"
#include "sync/http_date.h"

namespace fa::bulk {
namespace {

bool readFiles(const fhir::JsonValue& doc, const char* name, bool required, std::vector<ManifestFile>& out,
               std::string& problem) {
  const fhir::JsonValue* list = fhir::findMember(doc, name);
  if (!list) {
    if (required) problem = std::string("manifest has no ") + name + " array";
    return !required;
  }
  if (!list->IsArray()) {
    problem = std::string("manifest ") + name + " is not an array";
    return false;
  }
  for (const auto& item : list->GetArray()) {
    if (!item.IsObject()) {
      problem = std::string("manifest ") + name + " holds a non-object";
      return false;
    }
    ManifestFile f;
    f.type = std::string(fhir::stringMember(item, "type").value_or(""));
    f.url = std::string(fhir::stringMember(item, "url").value_or(""));
    if (f.url.empty()) {
      problem = std::string("manifest ") + name + " entry without url";
      return false;
    }
    if (const fhir::JsonValue* count = fhir::findMember(item, "count"); count && count->IsString()) {
      // Numbers arrive as text (kParseNumbersAsStringsFlag); a count is informative only.
      try {
        f.count = std::stoll(count->GetString());
      } catch (const std::exception&) {
      }
    }
    out.push_back(std::move(f));
  }
  return true;
}

}  // namespace

std::optional<Manifest> parseManifest(std::string_view text, std::string& problem) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseNumbersAsStringsFlag>(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    problem = "manifest is not a JSON object";
    return std::nullopt;
  }
  Manifest m;
  m.transaction_time = std::string(fhir::stringMember(doc, "transactionTime").value_or(""));
  if (!sync::parseInstant(m.transaction_time)) {
    problem = "manifest transactionTime is missing or not an instant";
    return std::nullopt;
  }
  if (const fhir::JsonValue* token = fhir::findMember(doc, "requiresAccessToken")) {
    if (!token->IsBool()) {
      problem = "manifest requiresAccessToken is not a boolean";
      return std::nullopt;
    }
    m.requires_access_token = token->GetBool();
  }
  if (!readFiles(doc, "output", true, m.output, problem) || !readFiles(doc, "error", false, m.error, problem) ||
      !readFiles(doc, "deleted", false, m.deleted, problem))
    return std::nullopt;
  return m;
}

}  // namespace fa::bulk
