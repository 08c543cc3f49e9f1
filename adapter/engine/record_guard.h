#pragma once
// The record boundary of the engine: one Observation's rules run inside it, and whatever they
// throw becomes that record's rejection instead of ending the run. docs/contract.md ("map"):
// a rejected input is named on standard error and counted, every valid record is still written.
#include <exception>
#include <optional>
#include <string>

namespace fa::engine {

// Runs evaluate(element); evaluate keeps `element` naming the part of the resource it is
// working on ("Observation.valueQuantity"). Returns nullopt when it returned normally, else the
// rejection text: "<element>: could not be evaluated (<exception text>)". Exception texts of the
// rules name limits ("value out of range"), never values.
template <class Evaluate>
std::optional<std::string> evaluationFailure(Evaluate&& evaluate) {
  std::string element = "Observation";
  try {
    evaluate(element);
    return std::nullopt;
  } catch (const std::exception& e) {
    return element + ": could not be evaluated (" + e.what() + ")";
  } catch (...) {
    return element + ": could not be evaluated";
  }
}

}  // namespace fa::engine
