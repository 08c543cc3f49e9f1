// The subject roster (subjects.csv, written by hand at a site): parsing either succeeds or
// throws ConfigError listing the problems; a parsed roster answers lookups for every subject it
// holds.
#include <cstdlib>
#include <string>
#include <string_view>

#include "harnesses.h"
#include "mapping/roster.h"

namespace fa::fuzz {
namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

void lookUpEverySubject(const mapping::Roster& roster) {
  for (std::size_t i = 0; i < roster.subjects().size(); ++i) {
    const std::string& patient = roster.subject(i).patient;
    // docs/contract.md: `Patient/{id}`, else `{system}|{value}` (split at the first bar).
    if (patient.rfind("Patient/", 0) == 0) {
      check(roster.matchReference(patient, "") == i);
      check(roster.matchReference("https://fhir.example/r4/" + patient + "/_history/1", "https://fhir.example/r4") == i);
    } else {
      const auto bar = patient.find('|');
      check(roster.matchIdentifier(patient.substr(0, bar), patient.substr(bar + 1)) == i);
    }
  }
}

}  // namespace

int fuzzRoster(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const mapping::Roster roster = mapping::Roster::parse(text, "subjects.csv");
    lookUpEverySubject(roster);
    (void)roster.matchReference(text, "");  // the whole input as a reference: no match, no crash
  } catch (const mapping::ConfigError& e) {
    check(!e.problems().empty());
  }
  return 0;
}

}  // namespace fa::fuzz

FA_FUZZ_TARGET(fa::fuzz::fuzzRoster)
