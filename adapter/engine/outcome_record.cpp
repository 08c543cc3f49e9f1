#include "engine/outcome_record.h"

#include <tuple>

namespace fa::engine {

bool outputOrder(const OutcomeRecord& a, const OutcomeRecord& b) {
  // std::optional orders nullopt before any value, as the contract asks.
  return std::tie(a.subject_id, a.analyte, a.effective, a.observation) <
         std::tie(b.subject_id, b.analyte, b.effective, b.observation);
}

}  // namespace fa::engine
