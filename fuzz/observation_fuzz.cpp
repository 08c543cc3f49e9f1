// One stored resource through the path polling and push share (sync/record_builder.cpp): parsed
// as a DOM with numbers as text, read into ObservationFacts, mapped by a MappingSession against
// the default fhir-mappings/, optionally deleted again, and the records written as NDJSON and CSV.
#include <rapidjson/document.h>

#include <string>

#include "engine/mapping_session.h"
#include "engine/record_writer.h"
#include "fhir/observation_facts.h"
#include "harnesses.h"
#include "mapping_context.h"

namespace fa::fuzz {

int fuzzObservation(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseNumbersAsStringsFlag>(text.c_str(), text.size());
  if (doc.HasParseError() || !doc.IsObject()) return 0;
  fhir::ObservationFacts facts;
  const bool readable = !fhir::parseObservation(doc, facts);

  engine::MappingSession session(defaultMappings(), defaultRoster(), {"https://fhir.example/r4"},
                                 [](const engine::Rejection&) {});
  const fhir::ResourceLocation where{"fuzz", 1, {}};
  session.onResource(doc, where, std::nullopt);
  // An odd last byte also deletes the resource again (version resolution with a deletion).
  if (readable && (data[size - 1] & 1)) {
    fhir::DeleteNotice notice;
    notice.resource_type = "Observation";
    notice.id = facts.id;
    session.onDelete(notice);
  }
  std::string out;
  for (const engine::OutcomeRecord& record : session.finish()) {
    engine::appendNdjson(out, record);
    engine::appendCsv(out, record);
  }
  return 0;
}

}  // namespace fa::fuzz

FA_FUZZ_TARGET(fa::fuzz::fuzzObservation)
