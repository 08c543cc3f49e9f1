#pragma once
// The mass-withdrawal guard (docs/contract.md, "Safety guards of run"): a rescan that would
// withdraw more than max_withdraw_fraction of the current records withdraws nothing, unless
// the operator allowed it for this run.
//
// The fraction is of the current outcome records, as the contract words it, not of the stored
// Observation ids: the store also keeps Observations that give no record (patients not on the
// roster, unmatched codes, cancelled results), whose deletion withdraws nothing from the trial.
// So the numerator counts only the deletions due whose Observation has a current record.
#include <cstddef>

namespace fa::sync {

struct WithdrawalDecision {
  double fraction = 0;  // withdrawn_records / current_records; 0 without current records
  bool blocked = false;
};

// Blocked when fraction > max_fraction (strictly: exactly the fraction is allowed) and the
// operator did not allow mass withdrawal.
WithdrawalDecision judgeWithdrawals(std::size_t withdrawn_records, std::size_t current_records, double max_fraction,
                                    bool allow_mass_withdrawal);

}  // namespace fa::sync
