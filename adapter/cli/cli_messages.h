#pragma once
// Messages for command-line mistakes: each names the word at fault and says what is expected,
// with a "did you mean" for near misses (docs/contract.md, "Usage errors").
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

namespace fa::cli {

// The candidate closest to `word` by edit distance, when it is close enough to be a typo
// (at most 1 edit for words up to 4 letters, 2 up to 8, 3 beyond); nullopt otherwise.
std::optional<std::string> nearestWord(std::string_view word, const std::vector<std::string>& candidates);

// One line: "usage: fhir-adapter map --mappings DIR ... INPUT...", from the command's options.
std::string usageLine(const CLI::App& command, const std::string& command_path);
// The --help group of options that tune speed only (map --threads): left out of usageLine,
// which docs/contract.md fixes.
inline constexpr const char* kTuningGroup = "Tuning";

// Prints one clear explanation of a parse error of `argv` to standard error (unknown command or
// option, a missing required option, a bad value, a missing subcommand).
void explainParseError(const CLI::App& app, const CLI::ParseError& error, int argc, char** argv);

}  // namespace fa::cli
