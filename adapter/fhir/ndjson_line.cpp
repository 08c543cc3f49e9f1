#include "fhir/ndjson_line.h"

#include <rapidjson/error/en.h>

#include "common/json_bounded_parse.h"
#include "common/json_depth.h"
#include "fhir/input_buffer.h"

namespace fa::fhir::detail {
namespace {

constexpr unsigned kLineFlags = rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseInsituFlag;
constexpr std::size_t kPoolBlock = 64 * 1024;  // first block of the per-line value pool
constexpr std::string_view kModifierExtension = "modifierExtension";

}  // namespace

bool QuickLookBudget::lookNow() {
  if (paused_ == 0) return true;
  --paused_;
  return false;
}

void QuickLookBudget::record(bool paid_off) {
  ++looked_;
  paid_ += paid_off ? 1 : 0;
  if (looked_ < kWindow) return;
  if (paid_ * 2 < looked_) paused_ = kPause;
  looked_ = paid_ = 0;
}

// One pool for every line, over a fixed first block: values are freed in bulk after each line
// and a typical resource (a few KB of values) costs no malloc at all. One Document for every
// line too, so its parse stack is allocated once.
NdjsonLineReader::NdjsonLineReader(bool quick_look)
    : pool_block_(new char[kPoolBlock]), pool_(pool_block_.get(), kPoolBlock), doc_(&pool_) {
  if (quick_look) triage_.emplace();
}

NdjsonLineReader::~NdjsonLineReader() = default;

NdjsonLineReader::Outcome NdjsonLineReader::read(char* line, std::size_t length, std::size_t readable_after,
                                                 const Glance& ignored, std::string& error) {
  doc_.SetNull();  // drops the last line's values before their memory goes back to the pool
  pool_.Clear();
  if (isBlank(line, length)) return Outcome::Blank;
  if (triage_ && budget_.lookNow()) {
    const std::optional<QuickResource> quick = triage_->look(std::string_view(line, length), readable_after);
    const bool taken = quick && ignored(*quick);
    budget_.record(taken);
    if (taken) return Outcome::TakenAtAGlance;
  }
  const common::BoundedParse parsed =
      common::parseInsituBounded<kLineFlags>(doc_, line, common::kMaxJsonDepth, kModifierExtension);
  notes_.may_hold_modifier_extension = parsed.saw_watched_key;
  if (!parsed.result.IsError()) return Outcome::Parsed;
  error = "invalid JSON at column " + std::to_string(parsed.column()) + ": " +
          (parsed.too_deep ? common::tooDeepMessage() : rapidjson::GetParseError_En(parsed.result.Code()));
  return Outcome::Invalid;
}

}  // namespace fa::fhir::detail
