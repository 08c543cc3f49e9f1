#pragma once
// The record boundary of the engine: one Observation's rules run inside it, and whatever they
// throw becomes that record's rejection instead of ending the run. docs/contract.md ("map"):
// a rejected input is named on standard error and counted, every valid record is still written.
#include <exception>
#include <optional>
#include <string>
#include <string_view>

namespace fa::engine {

// Runs evaluate(member); evaluate keeps `member` naming the element of the Observation it is
// working on ("valueQuantity"; empty: the resource itself). Returns nullopt when it returned
// normally, else the rejection text: "Observation.<member>: could not be evaluated (<exception
// text>)". Exception texts of the rules name limits ("value out of range"), never values. A view,
// not a string: it is set for every record, and the full name is needed only on failure.
template <class Evaluate>
std::optional<std::string> evaluationFailure(Evaluate&& evaluate) {
  std::string_view member;
  auto element = [&member] {
    std::string name = "Observation";
    if (!member.empty()) name.append(".").append(member);
    return name;
  };
  try {
    evaluate(member);
    return std::nullopt;
  } catch (const std::exception& e) {
    return element() + ": could not be evaluated (" + e.what() + ")";
  } catch (...) {
    return element() + ": could not be evaluated";
  }
}

}  // namespace fa::engine
