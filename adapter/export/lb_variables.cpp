#include "export/lb_variables.h"

namespace fa::exports {

const std::vector<LbVariable>& lbVariables() {
  static const std::vector<LbVariable> variables = {
      {"STUDYID", "Study Identifier", false, "Assigned", ""},
      {"DOMAIN", "Domain Abbreviation", false, "Assigned", "DOMAIN"},
      {"USUBJID", "Unique Subject Identifier", false, "Derived", ""},
      {"LBSEQ", "Sequence Number", true, "Derived", ""},
      {"LBSPID", "Sponsor-Defined Identifier", false, "Collected", ""},
      {"LBTESTCD", "Lab Test or Examination Short Name", false, "Assigned", "LBTESTCD"},
      {"LBTEST", "Lab Test or Examination Name", false, "Assigned", "LBTEST"},
      {"LBCAT", "Category for Lab Test", false, "Assigned", ""},
      {"LBORRES", "Result or Finding in Original Units", false, "Collected", ""},
      {"LBORRESU", "Original Units", false, "Collected", "UNIT"},
      {"LBORNRLO", "Reference Range Lower Limit in Orig Unit", false, "Derived", ""},
      {"LBORNRHI", "Reference Range Upper Limit in Orig Unit", false, "Derived", ""},
      {"LBSTRESC", "Character Result/Finding in Std Format", false, "Derived", ""},
      {"LBSTRESN", "Numeric Result/Finding in Standard Units", true, "Derived", ""},
      {"LBSTRESU", "Standard Units", false, "Derived", "UNIT"},
      {"LBSTNRLO", "Reference Range Lower Limit-Std Units", true, "Derived", ""},
      {"LBSTNRHI", "Reference Range Upper Limit-Std Units", true, "Derived", ""},
      {"LBNRIND", "Reference Range Indicator", false, "Derived", "NRIND"},
      {"LBSTAT", "Completion Status", false, "Derived", "ND"},
      {"LBREASND", "Reason Test Not Done", false, "Derived", ""},
      {"LBLOINC", "LOINC Code", false, "Assigned", "LOINC"},
      {"LBSPEC", "Specimen Type", false, "Assigned", "SPECTYPE"},
      {"LBLOBXFL", "Last Observation Before Exposure Flag", false, "Derived", "NY"},
      {"LBTOXGR", "Standard Toxicity Grade", false, "Derived", ""},
      {"VISITNUM", "Visit Number", true, "Derived", ""},
      {"VISIT", "Visit Name", false, "Derived", ""},
      {"LBDTC", "Date/Time of Specimen Collection", false, "Collected", ""},
      {"LBDY", "Study Day of Specimen Collection", true, "Derived", ""},
  };
  return variables;
}

}  // namespace fa::exports
