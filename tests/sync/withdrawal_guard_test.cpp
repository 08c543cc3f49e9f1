// The mass-withdrawal guard: a rescan confirming deletions of more than max_withdraw_fraction of
// the current records withdraws nothing, unless allowed.
#include <gtest/gtest.h>

#include <algorithm>

#include "sync/withdrawal_guard.h"
#include "sync_fixture.h"

namespace fa::test {
namespace {

TEST(WithdrawalGuardTest, BlocksOnlyAboveTheFraction) {
  // 3 of 10 = 0.3 > 0.2: blocked.
  sync::WithdrawalDecision d = sync::judgeWithdrawals(3, 10, 0.2, false);
  EXPECT_DOUBLE_EQ(d.fraction, 0.3);
  EXPECT_TRUE(d.blocked);
  // 2 of 10 = 0.2, not more than 0.2: allowed.
  d = sync::judgeWithdrawals(2, 10, 0.2, false);
  EXPECT_EQ(d.fraction, 0.2);
  EXPECT_FALSE(d.blocked);
  // 3 of 15 = 0.2 as well.
  EXPECT_FALSE(sync::judgeWithdrawals(3, 15, 0.2, false).blocked);
  // Allowed by the operator.
  EXPECT_FALSE(sync::judgeWithdrawals(3, 10, 0.2, true).blocked);
  // 1 of 1 = 1.0 > 0.2.
  EXPECT_TRUE(sync::judgeWithdrawals(1, 1, 0.2, false).blocked);
  // No records: nothing to withdraw.
  EXPECT_EQ(sync::judgeWithdrawals(0, 0, 0.2, false).fraction, 0.0);
  EXPECT_FALSE(sync::judgeWithdrawals(0, 0, 0.2, false).blocked);
}

class MassWithdrawalTest : public PollerFixture {
 protected:
  // o1..o10 (08:01..08:10) in one page of 20, each with a current record; then the rescan's
  // searches: the incremental one (ge 08:10 - 60 s = 08:09:00) finds nothing new, the listing
  // shows all but `vanished`, which answer 410.
  void loadTenThenVanish(const std::vector<std::string>& vanished, const std::vector<Obs>& extra = {}) {
    settings.page_size = 20;
    settings.deletion_confirm_seconds = std::chrono::seconds(0);
    std::vector<Obs> all;
    std::vector<std::string> ids;
    for (int i = 1; i <= 10; ++i) {
      all.push_back(
          {"o" + std::to_string(i), "1", "2026-03-01T08:" + std::string(i < 10 ? "0" : "") + std::to_string(i) + ":00.000Z"});
      ids.push_back(all.back().id);
    }
    storeRecords(ids);
    all.insert(all.begin(), extra.begin(), extra.end());  // results that give no record
    server->on(biliSearch(), 200, searchset(all));
    pass(false);
    ASSERT_EQ(store->watermark("BILI"), "2026-03-01T08:10:00.000Z");
    server->on(biliSearch(geParam("2026-03-01T08:09:00.000Z")), 200, searchset({}));
    std::vector<Obs> listed;
    for (const Obs& o : all) {
      if (std::find(vanished.begin(), vanished.end(), o.id) == vanished.end()) listed.push_back(o);
    }
    server->on(biliSearch(), 200, searchset(listed));
    for (const std::string& id : vanished) {
      server->on("Observation/" + id, 410, kGone);
      server->on(history(id), 410, kGone);
    }
  }
};

TEST_F(MassWithdrawalTest, ThreeOfTenVanishingIsBlocked) {
  loadTenThenVanish({"o4", "o7", "o9"});
  const sync::PassReport r = pass(true);
  EXPECT_TRUE(server->unexpected.empty());
  // 3 of 10 current records = 0.3 > 0.2
  EXPECT_TRUE(r.withdrawal_blocked);
  EXPECT_EQ(r.withdrawals_held, 3);
  EXPECT_EQ(r.withdraw_records, 3);
  EXPECT_EQ(r.current_records, 10);
  EXPECT_DOUBLE_EQ(r.withdraw_fraction, 0.3);
  EXPECT_EQ(r.deletions, 0);
  EXPECT_TRUE(store->deletions().empty());
  EXPECT_EQ(r.pending_deletions, 3);  // kept, due again at the next rescan
  EXPECT_TRUE(r.rescanned);

  // The next rescan is blocked again; allowed by the operator, all three proceed.
  EXPECT_TRUE(pass(true).withdrawal_blocked);
  settings.allow_mass_withdrawal = true;
  const sync::PassReport allowed = pass(true);
  EXPECT_FALSE(allowed.withdrawal_blocked);
  EXPECT_EQ(allowed.deletions, 3);
  EXPECT_EQ(allowed.pending_deletions, 0);
  EXPECT_EQ(store->deletions().size(), 3u);
}

TEST_F(MassWithdrawalTest, TwoOfTenVanishingIsAllowed) {
  loadTenThenVanish({"o4", "o7"});
  const sync::PassReport r = pass(true);
  // 2 of 10 = 0.2, not more than 0.2
  EXPECT_FALSE(r.withdrawal_blocked);
  EXPECT_EQ(r.withdraw_records, 2);
  EXPECT_EQ(r.current_records, 10);
  EXPECT_EQ(r.deletions, 2);
  EXPECT_EQ(store->deletions().size(), 2u);
}

TEST_F(MassWithdrawalTest, ResultsWithoutARecordDoNotCountTowardsTheFraction) {
  // x1 and x2 are stored (another patient's, say) but give no record.
  loadTenThenVanish({"o4", "o7", "x1", "x2"}, {{"x1", "1", "2026-03-01T07:00:00.000Z"}, {"x2", "1", "2026-03-01T07:30:00.000Z"}});
  const sync::PassReport r = pass(true);
  // 4 deletions due, of which 2 withdraw a record: 2 of 10 = 0.2, not more than 0.2.
  EXPECT_FALSE(r.withdrawal_blocked);
  EXPECT_EQ(r.withdraw_records, 2);
  EXPECT_EQ(r.deletions, 4);
}

TEST_F(MassWithdrawalTest, A410InEveryReadIsJudgedInTheSameRescan) {
  loadTenThenVanish({"o4", "o7", "o9"});
  settings.deletion_confirm_seconds = std::chrono::seconds(3600);
  // Each answers 410 twice (first read and the one at the end of the rescan): all three are due
  // in this rescan, 3 of 10 = 0.3 > 0.2.
  const sync::PassReport r = pass(true);
  EXPECT_TRUE(r.withdrawal_blocked);
  EXPECT_EQ(r.withdrawals_held, 3);
  EXPECT_EQ(r.pending_deletions, 3);
  EXPECT_TRUE(store->deletions().empty());
}

TEST_F(MassWithdrawalTest, PendingDeletionsAreJudgedWhenTheyAreConfirmed) {
  loadTenThenVanish({"o4", "o7", "o9"});
  settings.deletion_confirm_seconds = std::chrono::seconds(3600);
  for (const std::string id : {"o4", "o7", "o9"})  // 404s: pending until a rescan an hour later
    server->on("Observation/" + id, 404, kNotFound);
  sync::PassReport r = pass(true);
  EXPECT_FALSE(r.withdrawal_blocked);  // nothing is confirmed yet
  EXPECT_EQ(r.pending_new, 3);
  clock += std::chrono::hours(1);
  r = pass(true);
  EXPECT_TRUE(r.withdrawal_blocked);  // now all three are due: 0.3 > 0.2
  EXPECT_EQ(r.withdrawals_held, 3);
  EXPECT_TRUE(store->deletions().empty());
}

}  // namespace
}  // namespace fa::test
