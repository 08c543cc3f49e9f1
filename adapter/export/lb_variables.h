#pragma once
// The SDTM LB variables the export writes (docs/contract.md "fhir-adapter export"), in column
// order, with their SDTMIG 3.4 labels, types, origins and controlled terminology.
#include <cstddef>
#include <string>
#include <vector>

namespace fa::exports {

struct LbVariable {
  std::string name;      // at most 8 characters (SAS transport v5)
  std::string label;     // at most 40 characters
  bool numeric = false;  // Num (8-byte float) or Char
  std::string origin;    // Define-XML origin: Assigned, Collected or Derived
  std::string codelist;  // CDISC codelist, "" when none applies
};

inline constexpr std::size_t kLbVariableCount = 28;

const std::vector<LbVariable>& lbVariables();

// Column indices, in contract order (kName: glibc's math.h defines a DOMAIN macro).
enum LbColumn : std::size_t {
  kStudyid,
  kDomain,
  kUsubjid,
  kLbseq,
  kLbspid,
  kLbtestcd,
  kLbtest,
  kLbcat,
  kLborres,
  kLborresu,
  kLbornrlo,
  kLbornrhi,
  kLbstresc,
  kLbstresn,
  kLbstresu,
  kLbstnrlo,
  kLbstnrhi,
  kLbnrind,
  kLbstat,
  kLbreasnd,
  kLbloinc,
  kLbspec,
  kLblobxfl,
  kLbtoxgr,
  kVisitnum,
  kVisit,
  kLbdtc,
  kLbdy
};

}  // namespace fa::exports
