#include "sync/read_evidence.h"

#include "common/json_depth.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>
#include <utility>

namespace fa::sync {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view stringMember(const rapidjson::Value& object, const char* name) {
  auto it = object.FindMember(name);
  return it != object.MemberEnd() && it->value.IsString() ? std::string_view(it->value.GetString(), it->value.GetStringLength())
                                                          : std::string_view();
}

// Wordings of servers that do not know a resource type: HAPI ("HAPI-0302: Unknown resource
// type 'X' - Server knows how to handle: ..."), Medplum and others ("Unsupported resource
// type", "Resource type not supported").
bool textSaysUnknownType(std::string_view text) {
  static constexpr std::array<std::string_view, 4> kPhrases = {"unknown resource type", "unsupported resource type",
                                                               "resource type not supported", "invalid resource type"};
  const std::string l = lower(text);
  return std::any_of(kPhrases.begin(), kPhrases.end(), [&](std::string_view p) { return l.find(p) != std::string::npos; });
}

bool isOperationOutcome(const rapidjson::Document& doc) {
  return !doc.HasParseError() && doc.IsObject() && stringMember(doc, "resourceType") == "OperationOutcome";
}

ReadEvidence failure(std::string reason, std::string detail) {
  ReadEvidence e;
  e.reason = std::move(reason);
  e.detail = std::move(detail);
  return e;
}

}  // namespace

bool saysUnknownResourceType(const std::string& body) {
  rapidjson::Document doc;
  common::parseBounded(doc, body);
  if (!isOperationOutcome(doc)) return false;
  auto issues = std::as_const(doc).FindMember("issue");
  if (issues == doc.MemberEnd() || !issues->value.IsArray()) return false;
  for (const auto& issue : issues->value.GetArray()) {
    if (!issue.IsObject()) continue;
    if (stringMember(issue, "code") == "not-supported") return true;
    if (textSaysUnknownType(stringMember(issue, "diagnostics"))) return true;
    auto details = issue.FindMember("details");
    if (details != issue.MemberEnd() && details->value.IsObject() && textSaysUnknownType(stringMember(details->value, "text")))
      return true;
  }
  return false;
}

ReadEvidence classifyRead(const net::HttpResponse& response, const std::string& id) {
  const std::string what = "read Observation/" + id;
  if (response.status == 410) return ReadEvidence{ReadEvidence::Kind::Gone, std::nullopt, {}, {}};
  if (response.status == 404) {
    rapidjson::Document doc;
    common::parseBounded(doc, response.body);
    if (!isOperationOutcome(doc)) return failure("not_found_not_fhir", what + " answered 404 without an OperationOutcome");
    if (saysUnknownResourceType(response.body))
      return failure("unknown_resource_type", what + " answered 404: the server does not know the resource type");
    return ReadEvidence{ReadEvidence::Kind::Gone, std::nullopt, {}, {}};
  }
  if (response.status != 200)
    return failure("http_" + std::to_string(response.status), what + " answered " + std::to_string(response.status));
  std::string error;
  auto page = fhir::parseBundlePage(response.body, error);
  if (!page || page->resource_type != "Observation" || page->entries.size() != 1 || page->entries.front().id != id)
    return failure("bad_read", what + " answered 200 without that Observation");
  ReadEvidence present;
  present.kind = ReadEvidence::Kind::Present;
  present.resource = page->entries.front();
  return present;
}

}  // namespace fa::sync
