#include "cli/audit_commands.h"

#include <cstdio>
#include <fstream>
#include <set>
#include <variant>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "audit/audit_log.h"
#include "audit/audit_query.h"
#include "audit/audit_verify.h"
#include "cli/exit_codes.h"
#include "cli/user_command.h"
#include "common/instant.h"
#include "console/accounts_file.h"
#include "console/review_rules.h"
#include "daemon/audit_events.h"
#include "daemon/daemon_config.h"
#include "store/observation_store.h"

namespace fa::cli {
namespace {

void addFilters(CLI::App* cmd, AuditArguments& args) {
  cmd->add_option("--subject", args.subject, "pseudonymous subject id");
  cmd->add_option("--analyte", args.analyte, "analyte code (BILI, ALB, ...)");
  cmd->add_option("--action", args.action, "action(s), comma-separated (record_updated,review_overridden,...)");
  cmd->add_option("--observation", args.observation, "Observation id (or Observation/ID)");
  cmd->add_option("--since", args.since, "UTC instant or date: entries at or after");
  cmd->add_option("--until", args.until, "UTC instant or date: entries at or before (a date includes the day)");
  cmd->add_flag("--checkpoints", args.checkpoints, "include checkpoint entries");
}

int fail(const char* command, const std::string& message, int code) {
  std::fprintf(stderr, "fhir-adapter %s: %s\n", command, message.c_str());
  return code;
}

std::optional<daemon::DaemonConfig> loadConfig(const char* command, const std::string& file) {
  try {
    return daemon::loadDaemonConfig(file);
  } catch (const daemon::DaemonConfigError& e) {
    for (const std::string& p : e.problems())
      std::fprintf(stderr, "fhir-adapter %s: %s\n", command, p.c_str());
    return std::nullopt;
  }
}

bool writeOutput(const std::string& path, const std::string& text) {
  if (path.empty() || path == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return std::fflush(stdout) == 0;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out.flush());
}

std::vector<audit::AuditEntry> selectEntries(const daemon::DaemonConfig& c, const AuditArguments& args, const char* command) {
  audit::EntryFilter filter{args.subject, args.analyte, args.action, args.observation, args.since, args.until, args.checkpoints};
  std::vector<audit::AuditEntry> out;
  std::vector<std::string> problems;
  audit::readEntries(
      c.audit.dir,
      [&](const audit::AuditEntry& e) {
        if (filter.matches(e)) out.push_back(e);
      },
      &problems);
  for (const std::string& p : problems)
    std::fprintf(stderr, "fhir-adapter %s: warning: %s (run `fhir-adapter audit verify`)\n", command, p.c_str());
  return out;
}

// Record changes committed in the store whose entries are not yet in the log (the audit
// outbox, daemon::drainAuditOutbox). A note, not a failure: the outbox is durable and the
// daemon writes them at its next recomputation or start, and a backup copy taken in between
// must still pass verify (docs/contract.md); the log itself is what verify judges.
void reportUnauditedChanges(const daemon::DaemonConfig& c) {
  std::error_code ec;
  if (!std::filesystem::exists(c.store.path, ec)) return;
  try {
    store::ObservationStore store(c.store.path.string(), store::SqliteDb::Mode::ReadOnly);
    if (std::size_t n = store.pendingRecordChangeCount())
      std::fprintf(stderr,
                   "fhir-adapter audit verify: note: %zu record change(s) in the store not yet audited (written at the daemon's "
                   "next start)\n",
                   n);
  } catch (const store::StoreError& e) {
    std::fprintf(stderr, "fhir-adapter audit verify: note: store not checked for unaudited changes: %s\n", e.what());
  }
}

int runVerify(const daemon::DaemonConfig& c) {
  std::error_code ec;
  if (!std::filesystem::is_directory(c.audit.dir, ec))
    return fail("audit verify", c.audit.dir.string() + ": no audit log here", kExitUsage);
  audit::VerifyOptions o;
  o.dir = c.audit.dir;
  if (c.audit.key_file) {
    try {
      o.key = audit::loadKeyFile(c.audit.key_file->string());
    } catch (const audit::AuditError& e) {
      return fail("audit verify", e.what(), kExitUsage);
    }
  }
  o.anchor = c.audit.anchor_path;
  audit::VerifyReport r = audit::verifyLog(o);
  for (const std::string& n : r.notes)
    std::fprintf(stderr, "fhir-adapter audit verify: note: %s\n", n.c_str());
  if (!r.intact) {
    const std::filesystem::path file = r.bad_file.empty() ? c.audit.dir : c.audit.dir / r.bad_file;
    std::fprintf(stderr, "fhir-adapter audit verify: BROKEN: %s%s: %s\n", file.string().c_str(),
                 r.bad_line ? (" line " + std::to_string(r.bad_line)).c_str() : "", r.problem.c_str());
    std::fprintf(stderr, "fhir-adapter audit verify: %llu entries before it verified\n",
                 static_cast<unsigned long long>(r.entries));
    return kExitAuditBroken;
  }
  std::printf("audit log intact: %s\n", r.summary().c_str());
  reportUnauditedChanges(c);
  return kExitOk;
}

int runRepair(const daemon::DaemonConfig& c) {
  std::error_code ec;
  if (!std::filesystem::is_directory(c.audit.dir, ec))
    return fail("audit repair", c.audit.dir.string() + ": no audit log here", kExitUsage);
  auto partial = audit::findPartialTail(c.audit.dir);
  if (!partial) {
    std::printf("nothing to repair: no partial last line in %s\n", c.audit.dir.string().c_str());
    return kExitOk;
  }
  try {
    auto log = audit::AuditLog::open(daemon::auditSettings(c, "fhir-adapter audit repair"));
    const auto recovered = log->recovered();
    log->close();
    if (recovered) {
      std::printf(
          "dropped the partial last line %s line %zu (%zu bytes, sha256 %s); committed entries untouched; an audit_recovered "
          "entry records it\n",
          recovered->segment.c_str(), recovered->line, recovered->dropped_bytes, recovered->dropped_sha256.c_str());
    }
    return kExitOk;
  } catch (const audit::AuditError& e) {
    return fail("audit repair", e.what(), kExitAuditBroken);
  }
}

bool validText(const std::string& s, std::size_t max) {
  if (s.empty() || s.size() > max) return false;
  for (char ch : s)
    if (static_cast<unsigned char>(ch) < 0x20) return false;
  return true;
}

// accept / override usage checks (exit 2); "" when the arguments are usable.
std::string decisionUsageProblem(const AuditArguments& args, bool isOverride) {
  if (!args.login.empty()) return "";  // a signed review: the console's rules (runSignedDecision)
  if (!validText(args.reviewer, 100)) return "--reviewer must be a staff name of 1 to 100 characters, one line";
  if (isOverride && !validText(args.reason, 500)) return "--reason is required: 1 to 500 characters, one line, no patient data";
  if (!args.reason.empty() && !validText(args.reason, 500)) return "--reason: 1 to 500 characters, one line";
  if (isOverride && args.flag.empty()) return "--flag is required: the reviewer's flag";
  return "";
}

// The stored record a decision is about, with the fields the audit entry repeats.
struct ReviewedRecord {
  std::string id;
  engine::OutcomeRecord stored;
  std::string rules;  // the mappings hash the record was computed with
  std::string status, flag, grade, value, unit;
};

// The record of --observation (id, Observation/id or a versioned reference), or the exit code.
std::variant<ReviewedRecord, int> loadReviewedRecord(const daemon::DaemonConfig& c, const std::string& observation,
                                                     const char* command) {
  std::error_code ec;
  if (!std::filesystem::exists(c.store.path, ec))
    return fail(command, c.store.path.string() + ": no store yet (run the daemon first)", kExitUsage);
  ReviewedRecord out;
  out.id = observation;
  if (out.id.rfind("Observation/", 0) == 0) out.id = out.id.substr(12);
  if (auto slash = out.id.find('/'); slash != std::string::npos) out.id = out.id.substr(0, slash);
  std::optional<engine::OutcomeRecord> found;
  try {
    store::ObservationStore store(c.store.path.string(), store::SqliteDb::Mode::ReadOnly);
    found = store.record(out.id);
    out.rules = store.meta("mappings_hash").value_or("");
  } catch (const store::StoreError& e) {
    return fail(command, e.what(), kExitUsage);
  }
  if (!found) return fail(command, "no record for Observation/" + out.id, kExitUsage);
  out.stored = *found;
  auto field = [&](const char* name) { return daemon::recordFieldText(out.stored, name).value_or(""); };
  out.status = field("status");
  out.flag = field("flag");
  out.grade = field("ctcae_grade");
  out.value = field("value");
  out.unit = field("unit");
  return out;
}
// Decisions the record's state forbids: a withdrawn (retracted) result has no flag left to
// accept or override (exit 1: the request is well-formed, the record refuses it); an override
// to the flag the record already has is no override (exit 2).
std::optional<int> refuseDecision(const ReviewedRecord& r, const AuditArguments& args, bool isOverride, const char* command) {
  if (r.status == "retracted")
    return fail(command, "Observation/" + r.id + " is retracted (withdrawn at the source): there is no flag to review",
                kExitRejected);
  if (isOverride && args.flag == r.flag)
    return fail(command, "Observation/" + r.id + " already has flag " + r.flag + ": an override must change the flag",
                kExitUsage);
  return std::nullopt;
}

// The account of --login with its password checked (from the terminal or --password-file).
std::variant<console::Account, int> signerOf(const daemon::DaemonConfig& c, const AuditArguments& args, const char* command) {
  if (!c.review.enabled) return fail(command, "--login needs a [review] section (users_file)", kExitUsage);
  std::vector<console::Account> accounts;
  try {
    accounts = console::loadAccounts(c.review.users_file);
  } catch (const console::AccountsError& e) {
    return fail(command, e.what(), kExitUsage);
  }
  const console::Account* a = console::findAccount(accounts, args.login);
  auto password = readPassword(args.password_file, command, false);
  if (!password) return kExitUsage;
  if (!a || a->disabled || !console::verifyPassword(a->password_hash, *password))
    return fail(command, "wrong login or password (or the account is disabled): nothing was signed", kExitUsage);
  return *a;
}

// `review accept|override --login ID`: the same rules and the same entry as the console.
int runSignedDecision(const daemon::DaemonConfig& c, const AuditArguments& args, bool isOverride, const ReviewedRecord& record) {
  const char* command = isOverride ? "review override" : "review accept";
  std::variant<console::Account, int> signer = signerOf(c, args, command);
  if (const int* code = std::get_if<int>(&signer)) return *code;
  const console::Account& a = std::get<console::Account>(signer);
  console::ReviewInput in;
  in.override_flag_given = isOverride;
  in.override_flag = args.flag;
  in.reason_code = args.reason_code;
  in.reason_text = args.reason;
  in.meaning = console::canSign(a.role) ? args.meaning : "";
  in.confirmed_no_patient_data = args.confirm_no_patient_data;
  const console::Reviewer who{a.login, a.name, a.role};
  const console::RecordFields fields = console::recordFields(record.stored);
  const console::ReviewCheck check = console::checkReview(in, who, fields, c.review.override_reasons);
  if (check.verdict == console::ReviewVerdict::NeedsConfirmation)
    return fail(command, check.message + " (--confirm-no-patient-data)", kExitUsage);
  if (check.verdict == console::ReviewVerdict::Refused) return fail(command, check.message, kExitUsage);
  try {
    auto log = audit::AuditLog::open(daemon::auditSettings(c, "fhir-adapter review"));
    const std::uint64_t seq = log->append(console::reviewEvent(in, who, fields, record.rules, c.fhir.base_url));
    log->close();
    std::printf("%s: Observation/%s (%s %s, flag %s) by %s (%s)%s: audit entry %llu\n", isOverride ? "overridden" : "accepted",
                record.id.c_str(), record.stored.subject_id.c_str(), record.stored.analyte.c_str(),
                record.flag.empty() ? "null" : record.flag.c_str(), a.name.c_str(), a.login.c_str(),
                in.meaning.empty() ? ", unsigned" : (", signed: " + in.meaning).c_str(), static_cast<unsigned long long>(seq));
    return kExitOk;
  } catch (const audit::AuditError& err) {
    return fail(command, err.what(), kExitAuditBroken);
  }
}

int runReviewDecision(const daemon::DaemonConfig& c, const AuditArguments& args, bool isOverride) {
  const char* command = isOverride ? "review override" : "review accept";
  if (const std::string problem = decisionUsageProblem(args, isOverride); !problem.empty())
    return fail(command, problem, kExitUsage);
  std::variant<ReviewedRecord, int> loaded = loadReviewedRecord(c, args.observation, command);
  if (const int* code = std::get_if<int>(&loaded)) return *code;
  const ReviewedRecord& record = std::get<ReviewedRecord>(loaded);
  if (auto refused = refuseDecision(record, args, isOverride, command)) return *refused;
  if (!args.login.empty()) return runSignedDecision(c, args, isOverride, record);
  if (console::looksLikePatientData(args.reason))
    std::fprintf(stderr,
                 "fhir-adapter %s: warning: the reason looks like it holds patient data (a long number or a date); "
                 "it stays in the audit log for ever\n",
                 command);

  audit::AuditEvent e;
  e.actor = args.reviewer;
  e.action = isOverride ? audit::kReviewOverridden : audit::kReviewAccepted;
  e.record_key = record.id;
  e.source_ref = record.stored.observation;
  e.source_server = c.fhir.base_url;
  e.rule_version = record.rules;
  e.details = {{"subject_id", record.stored.subject_id},
               {"analyte", record.stored.analyte},
               {"flag", record.flag},
               {"ctcae_grade", record.grade},
               {"value", record.value},
               {"unit", record.unit}};
  if (!args.reason.empty()) e.details["reason"] = args.reason;
  if (isOverride) e.details["override_flag"] = args.flag;
  try {
    auto log = audit::AuditLog::open(daemon::auditSettings(c, "fhir-adapter review"));
    const std::uint64_t seq = log->append(e);
    log->close();
    std::printf("%s: Observation/%s (%s %s, flag %s) by %s: audit entry %llu\n", isOverride ? "overridden" : "accepted",
                record.id.c_str(), record.stored.subject_id.c_str(), record.stored.analyte.c_str(),
                record.flag.empty() ? "null" : record.flag.c_str(), args.reviewer.c_str(), static_cast<unsigned long long>(seq));
    return kExitOk;
  } catch (const audit::AuditError& err) {
    return fail(command, err.what(), kExitAuditBroken);
  }
}

int runReviewList(const daemon::DaemonConfig& c, const AuditArguments& args) {
  AuditArguments all;
  all.action = std::string(audit::kReviewAccepted) + "," + audit::kReviewOverridden;
  all.subject = args.subject;
  all.analyte = args.analyte;
  all.observation = args.observation;
  auto reviews = audit::latestReviews(selectEntries(c, all, "review list"));
  std::string out;
  if (args.list_format == "json") {
    for (const auto& r : reviews) {
      rapidjson::StringBuffer buf;
      rapidjson::Writer<rapidjson::StringBuffer> w(buf);
      w.StartObject();
      auto kv = [&w](const char* k, const std::string& v) {
        w.Key(k);
        if (v.empty())
          w.Null();
        else
          w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
      };
      kv("observation", r.observation);
      kv("record_key", r.record_key);
      kv("subject_id", r.subject_id);
      kv("analyte", r.analyte);
      kv("decision", r.decision);
      kv("flag", r.flag);
      kv("override_flag", r.override_flag);
      kv("reason", r.reason);
      kv("reviewer", r.reviewer);
      kv("time", r.time);
      w.Key("audit_seq");
      w.Uint64(r.seq);
      w.EndObject();
      out += std::string(buf.GetString()) + "\n";
    }
  } else {
    std::vector<std::vector<std::string>> rows = {
        {"observation", "subject", "analyte", "flag", "decision", "override", "reviewer", "time", "reason"}};
    for (const auto& r : reviews)
      rows.push_back({r.observation, r.subject_id, r.analyte, r.flag, r.decision, r.override_flag, r.reviewer, r.time, r.reason});
    std::vector<std::size_t> width(rows[0].size(), 0);
    for (const auto& row : rows)
      for (std::size_t i = 0; i < row.size(); ++i)
        width[i] = std::max(width[i], row[i].size());
    for (const auto& row : rows) {
      std::string line;
      for (std::size_t i = 0; i < row.size(); ++i)
        line += row[i] + (i + 1 < row.size() ? std::string(width[i] - row[i].size() + 2, ' ') : "");
      while (!line.empty() && line.back() == ' ')
        line.pop_back();
      out += line + "\n";
    }
  }
  writeOutput("", out);
  std::fprintf(stderr, "fhir-adapter review list: %zu reviewed records\n", reviews.size());
  return kExitOk;
}

// A review signed by a console account ([review] users_file), as the console signs it.
void addSigningOptions(CLI::App* cmd, AuditArguments& args) {
  cmd->add_option("--login", args.login, "sign as this review console account (password asked again)");
  cmd->add_option("--password-file", args.password_file, "with --login: file whose first line is the password");
  cmd->add_option("--meaning", args.meaning, "with --login: reviewed (default) or approved")
      ->check(CLI::IsMember({"reviewed", "approved"}));
  cmd->add_option("--reason-code", args.reason_code, "with --login: a reason from [review] override_reasons");
  cmd->add_flag("--confirm-no-patient-data", args.confirm_no_patient_data,
                "with --login: keep a note that looks like patient data");
}

}  // namespace

void addAuditCommands(CLI::App& app, AuditArguments& args) {
  CLI::App* audit = app.add_subcommand("audit", "The tamper-evident audit log: verify, show, export, repair");
  audit->require_subcommand(1);
  CLI::App* verify = audit->add_subcommand("verify", "Walk the hash chain and checkpoints; exit 3 naming the first bad entry");
  verify->add_option("--config", args.config, "configuration file (TOML)")->required();
  CLI::App* show = audit->add_subcommand("show", "Print audit entries as a table or JSON lines");
  show->add_option("--config", args.config, "configuration file (TOML)")->required();
  show->add_option("--format", args.show_format, "table (default) or json")->check(CLI::IsMember({"table", "json"}));
  addFilters(show, args);
  CLI::App* exp = audit->add_subcommand("export", "Export as FHIR R4 AuditEvent resources in a Bundle, or CSV");
  exp->add_option("--config", args.config, "configuration file (TOML)")->required();
  exp->add_option("--format", args.export_format, "fhir or csv")->required()->check(CLI::IsMember({"fhir", "csv"}));
  exp->add_option("--output", args.output, "file to write (default standard output)");
  addFilters(exp, args);
  CLI::App* repair = audit->add_subcommand("repair", "Drop a partial last line left by a crash (committed entries untouched)");
  repair->add_option("--config", args.config, "configuration file (TOML)")->required();

  CLI::App* review = app.add_subcommand("review", "Reviewer decisions on record flags, kept in the audit log");
  review->require_subcommand(1);
  CLI::App* list = review->add_subcommand("list", "The latest review of each record");
  list->add_option("--config", args.config, "configuration file (TOML)")->required();
  list->add_option("--format", args.list_format, "table (default) or json")->check(CLI::IsMember({"table", "json"}));
  list->add_option("--subject", args.subject, "pseudonymous subject id");
  list->add_option("--analyte", args.analyte, "analyte code");
  list->add_option("--observation", args.observation, "Observation id");
  CLI::App* accept = review->add_subcommand("accept", "Accept a record's flag (refused with exit 1 for a retracted record)");
  accept->add_option("--config", args.config, "configuration file (TOML)")->required();
  accept->add_option("--reviewer", args.reviewer, "the reviewer's staff name (or --login)");
  accept->add_option("--observation", args.observation, "Observation id")->required();
  accept->add_option("--reason", args.reason, "optional note (no patient data)");
  addSigningOptions(accept, args);
  CLI::App* over = review->add_subcommand(
      "override",
      "Override a record's flag with a reason (annotates; the source data is unchanged; exit 1 for a retracted record)");
  over->add_option("--config", args.config, "configuration file (TOML)")->required();
  over->add_option("--reviewer", args.reviewer, "the reviewer's staff name (or --login)");
  over->add_option("--observation", args.observation, "Observation id")->required();
  over->add_option("--reason", args.reason, "why, e.g. \"haemolysed sample\" (no patient data); with --login an optional note");
  addSigningOptions(over, args);
  over->add_option("--flag", args.flag, "the reviewer's flag (must differ from the record's)")
      ->required()
      ->check(CLI::IsMember({"low", "normal", "high", "indeterminate", "not_assessable"}));
}

// --since / --until must parse (audit::parseTimeBound); they are replaced by their normal form.
// Text such as "01/12/2026" would otherwise compare as text and match every entry or none.
std::optional<int> normaliseTimeBounds(AuditArguments& args, const char* command) {
  for (auto [option, value] : {std::pair{"--since", &args.since}, std::pair{"--until", &args.until}}) {
    if (value->empty()) continue;
    auto bound = audit::parseTimeBound(*value);
    if (!bound) return fail(command, std::string(option) + " \"" + *value + "\": expected " + audit::kTimeBoundForm, kExitUsage);
    *value = *bound;
  }
  return std::nullopt;
}

std::optional<int> runAuditCommand(const CLI::App& app, const AuditArguments& given) {
  const bool isAudit = app.got_subcommand("audit"), isReview = app.got_subcommand("review");
  if (!isAudit && !isReview) return std::nullopt;
  const CLI::App* parent = app.get_subcommand(isAudit ? "audit" : "review");
  auto chosen = [parent](const char* name) { return parent->got_subcommand(name); };
  const std::string name = std::string(isAudit ? "audit " : "review ") +
                           (parent->get_subcommands().empty() ? "" : parent->get_subcommands().front()->get_name());
  AuditArguments args = given;
  if (auto bad = normaliseTimeBounds(args, name.c_str())) return *bad;
  auto config = loadConfig(name.c_str(), args.config);
  if (!config) return kExitUsage;
  try {
    if (isAudit) {
      if (chosen("verify")) return runVerify(*config);
      if (chosen("repair")) return runRepair(*config);
      auto entries = selectEntries(*config, args, name.c_str());
      std::string text;
      if (chosen("show")) {
        text = args.show_format == "json" ? audit::formatJsonLines(entries) : audit::formatTable(entries);
      } else {
        text = args.export_format == "csv" ? audit::formatCsv(entries) : audit::fhirBundle(entries, common::nowInstant());
      }
      if (!writeOutput(args.output, text)) return fail(name.c_str(), "cannot write " + args.output, kExitUsage);
      std::fprintf(stderr, "fhir-adapter %s: %zu entries\n", name.c_str(), entries.size());
      return kExitOk;
    }
    if (chosen("list")) return runReviewList(*config, args);
    return runReviewDecision(*config, args, chosen("override"));
  } catch (const audit::AuditError& e) {
    return fail(name.c_str(), e.what(), kExitUsage);
  }
}

}  // namespace fa::cli
