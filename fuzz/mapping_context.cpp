#include "mapping_context.h"

#include "mapping/config_loader.h"

namespace fa::fuzz {

std::shared_ptr<const mapping::TrialConfig> defaultMappings() {
  static const auto config = mapping::loadTrialConfig(FA_SOURCE_DIR "/fhir-mappings");
  return config;
}

std::shared_ptr<const mapping::Roster> defaultRoster() {
  static const auto roster =
      std::make_shared<const mapping::Roster>(mapping::Roster::parse("subject_id,patient,dose1_date,dose2_date\n"
                                                                     "S01,Patient/p1,2026-01-10,2026-06-27\n"
                                                                     "S02,Patient/p2,2026-01-12,\n"
                                                                     "S03,http://hospital.example/mrn|MRN-0003,,\n",
                                                                     "subjects.csv"));
  return roster;
}

}  // namespace fa::fuzz
