// Poller: the rescan's deletion checks. Results a full listing no longer shows are read one by
// one. A 410 Gone is confirmed within the rescan by a second read at its end; a 404 stays
// pending until a later rescan confirms it. The confirmations of one rescan pass the
// mass-withdrawal guard together or not at all (docs/fhir-servers.md, "History and deletions").
#include <set>

#include "sync/poller.h"
#include "sync/read_evidence.h"
#include "sync/withdrawal_guard.h"

namespace fa::sync {

void Poller::findDeletions(const std::vector<std::string>& seen, PassReport& report) {
  const std::set<std::string> present(seen.begin(), seen.end());
  std::set<std::string> deleted;
  for (const store::Deletion& d : store_.deletions())
    deleted.insert(d.id);
  std::vector<GoneRead> due;
  std::vector<std::string> gone_410;  // read again at the end of the rescan
  for (const std::string& id : store_.observationIds()) {
    if (present.count(id) || deleted.count(id)) continue;
    if (stopForRequest(report)) return;
    auto gone = readVanished(id, report);
    if (!gone) continue;
    if (confirmationDue(*gone))
      due.push_back(std::move(*gone));
    else if (gone->status == 410)
      gone_410.push_back(id);
  }
  if (!rereadGone(gone_410, due, report)) return;
  confirmOrHold(due, report);
}

// Nothing is confirmed when a stop is requested: the guard judges a whole rescan. The answers
// so far are kept (pending).
bool Poller::stopForRequest(PassReport& report) {
  if (!stop_requested_()) return false;
  report.interrupted = true;
  return true;
}

// The second read of the results that answered 410 Gone: a server states a 410 only of a
// resource it knows it deleted, so two such answers some time apart (the rest of the rescan
// between them) confirm the deletion. A 200 now undoes it; a 404 leaves it pending like any 404.
// False when a stop was requested.
bool Poller::rereadGone(const std::vector<std::string>& ids, std::vector<GoneRead>& due, PassReport& report) {
  for (const std::string& id : ids) {
    if (stopForRequest(report)) return false;
    auto again = readVanished(id, report);
    if (again && (again->status == 410 || confirmationDue(*again))) due.push_back(std::move(*again));
  }
  return true;
}

// Vanished from the listing: read it. 200: a newer version that no longer matches the query
// (kept, the engine decides), and any deletion said of it is undone. 404/410: noted as pending.
std::optional<Poller::GoneRead> Poller::readVanished(const std::string& id, PassReport& report) {
  const net::HttpResponse r = client_.get("Observation/" + encodeQueryValue(id));
  ++report.requests;
  const ReadEvidence evidence = classifyRead(r, id);
  if (evidence.kind == ReadEvidence::Kind::Failure) throw net::FhirError(r.status, evidence.reason, evidence.detail);
  const std::string stamp = now();
  auto t = store_.transaction();
  if (evidence.kind == ReadEvidence::Kind::Present) {
    if (store_.putVersion(versionOf(*evidence.resource, "rescan"), stamp)) ++report.new_versions;
    noteSeenAgain({id}, report);
    t.commit();
    return std::nullopt;
  }
  if (!store_.pendingDeletion(id)) ++report.pending_new;
  store_.notePendingDeletion(id, r.status, stamp);
  GoneRead gone{id, r.status, std::nullopt, store_.pendingDeletion(id).value().first_seen};
  t.commit();
  if (auto date = r.header("date")) {
    if (auto when = parseHttpDate(*date)) gone.server_date = formatInstant(*when);
  }
  return gone;
}

// A 404 (or a 410 not yet read twice) becomes a deletion only when a rescan at least
// deletion_confirm_seconds after the first such answer gets it again: a server restarting,
// failing over to a lagging replica or briefly losing an index answers 404 for results that are
// there. With `run --once` every run is one rescan, so the confirming rescan is a later run:
// pending deletions are kept in the store (with the time of the first answer) from run to run.
bool Poller::confirmationDue(const GoneRead& gone) const {
  if (settings_.deletion_confirm_seconds.count() <= 0) return true;
  const auto first = parseInstant(gone.first_seen);
  return first && clock_() - *first >= settings_.deletion_confirm_seconds;
}

void Poller::confirmOrHold(const std::vector<GoneRead>& due, PassReport& report) {
  if (due.empty()) return;
  std::vector<std::string> ids;
  for (const GoneRead& g : due)
    ids.push_back(g.id);
  report.current_records = static_cast<int>(store_.recordCount());
  report.withdraw_records = static_cast<int>(store_.recordCountOf(ids));
  const WithdrawalDecision decision =
      judgeWithdrawals(static_cast<std::size_t>(report.withdraw_records), static_cast<std::size_t>(report.current_records),
                       settings_.max_withdraw_fraction, settings_.allow_mass_withdrawal);
  report.withdraw_fraction = decision.fraction;
  if (decision.blocked) {
    // They stay pending (and due): the next rescan judges them again, or confirms them when
    // the operator allows mass withdrawal.
    report.withdrawal_blocked = true;
    report.withdrawals_held = static_cast<int>(due.size());
    return;
  }
  for (const GoneRead& g : due)
    confirmDeletion(g, report);
}

void Poller::confirmDeletion(const GoneRead& gone, PassReport& report) {
  store::Deletion d;
  d.id = gone.id;
  d.source = "rescan";
  d.last_modified = gone.server_date;
  // The history may say exactly when it was deleted.
  if (auto when = fetchHistory(gone.id, report)) d.last_modified = *when;
  auto t = store_.transaction();
  if (store_.confirmDeletion(d, now())) ++report.deletions;
  t.commit();
}

}  // namespace fa::sync
