#include "sync/withdrawal_guard.h"

namespace fa::sync {

WithdrawalDecision judgeWithdrawals(std::size_t withdrawn_records, std::size_t current_records, double max_fraction,
                                    bool allow_mass_withdrawal) {
  WithdrawalDecision d;
  // Division is correctly rounded, so 2 of 10 gives the same double as the literal 0.2.
  if (current_records > 0) d.fraction = static_cast<double>(withdrawn_records) / static_cast<double>(current_records);
  d.blocked = d.fraction > max_fraction && !allow_mass_withdrawal;
  return d;
}

}  // namespace fa::sync
