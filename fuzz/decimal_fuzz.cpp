// core::Decimal: every FHIR number the adapter reads goes through Decimal::read. Beyond "no
// crash, no UB", the harness checks what the adapter relies on: toString() reads back to the
// same value, rounding is idempotent, and arithmetic either answers or says nullopt.
#include <cstdlib>
#include <string_view>

#include "core/decimal.h"
#include "harnesses.h"

namespace fa::fuzz {
namespace {

void check(bool condition) {
  if (!condition) std::abort();  // a broken invariant is a finding, like a crash
}

void exercise(const core::Decimal& d) {
  const auto again = core::Decimal::parse(d.toString());
  check(again.has_value() && *again == d && again->toString() == d.toString());
  const core::Decimal r = d.rounded(core::Decimal::kStandardPlaces);
  check(r.rounded(core::Decimal::kStandardPlaces) == r);
  (void)d.times(d);
  if (!d.isZero()) {
    const auto quotient = d.dividedBy(d, core::Decimal::kStandardPlaces);
    // nullopt when the scaled dividend leaves Int128 (36 nines / itself at 4 places).
    check(!quotient || *quotient == core::Decimal::fromInt(1));
  }
  (void)d.log10(core::Decimal::kStandardPlaces);
  (void)d.powerOfTen(core::Decimal::kStandardPlaces);
  (void)d.toLongDouble();
}

}  // namespace

int fuzzDecimal(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const core::Decimal::Parsed parsed = core::Decimal::read(text);
  check(parsed.value.has_value() == (parsed.error == core::Decimal::ParseError::None));
  if (!parsed.value) {
    check(!core::Decimal::describe(parsed.error).empty());
    return 0;
  }
  exercise(*parsed.value);
  // Two numbers from one input (split at the first space): comparison and mixed arithmetic.
  const auto space = text.find(' ');
  if (space == std::string_view::npos) return 0;
  const auto a = core::Decimal::parse(text.substr(0, space));
  const auto b = core::Decimal::parse(text.substr(space + 1));
  if (!a || !b) return 0;
  check(((*a <=> *b) == 0) == (a->toString() == b->toString()));
  (void)a->times(*b);
  (void)a->dividedBy(*b, core::Decimal::kStandardPlaces);
  return 0;
}

}  // namespace fa::fuzz

FA_FUZZ_TARGET(fa::fuzz::fuzzDecimal)
