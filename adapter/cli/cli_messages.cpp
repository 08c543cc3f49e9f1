#include "cli/cli_messages.h"

#include <algorithm>
#include <cstdio>

namespace fa::cli {
namespace {

size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::vector<const CLI::App*> subcommandsOf(const CLI::App& app) {
  return app.get_subcommands([](const CLI::App*) { return true; });
}

std::vector<std::string> subcommandNames(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : subcommandsOf(app))
    if (!sub->get_name().empty()) names.push_back(sub->get_name());
  return names;
}

const CLI::App* subcommandNamed(const CLI::App& app, const std::string& name) {
  for (const CLI::App* sub : subcommandsOf(app))
    if (sub->get_name() == name) return sub;
  return nullptr;
}

bool isHelp(const CLI::Option* opt) {
  return opt->check_lname("help");
}

std::vector<std::string> optionNames(const CLI::App& command) {
  std::vector<std::string> names;
  for (const CLI::Option* opt : command.get_options())
    if (!opt->get_positional() && !isHelp(opt) && !opt->get_lnames().empty()) names.push_back("--" + opt->get_lnames()[0]);
  return names;
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words)
    out += (out.empty() ? "" : ", ") + w;
  return out;
}

std::string didYouMean(std::string_view word, const std::vector<std::string>& candidates) {
  auto nearest = nearestWord(word, candidates);
  return nearest ? "; did you mean \"" + *nearest + "\"?" : "";
}

// The type name shown for an option, without the validator text CLI11 appends ("TEXT:{a,b}").
std::string typeName(const CLI::Option* opt) {
  std::string t = opt->get_type_name();
  return t.substr(0, t.find(':'));
}

// Where the words of argv lead: the deepest command named, and the options given to it.
struct Walk {
  const CLI::App* command = nullptr;
  std::string path = "fhir-adapter";
  std::optional<std::string> unknown_command;  // a word where a command was required
  std::vector<std::string> unknown_options;
  bool any_argument = false;  // anything after the command's own name
};

Walk walkArguments(const CLI::App& app, int argc, char** argv) {
  Walk w;
  w.command = &app;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("-", 0) == 0 && arg != "-") {
      w.any_argument = true;
      const std::string name = arg.substr(0, arg.find('='));
      const CLI::Option* opt = w.command->get_option_no_throw(name);
      if (opt == nullptr) {
        w.unknown_options.push_back(name);
      } else if (opt->get_type_size_max() > 0 && arg.find('=') == std::string::npos) {
        ++i;  // its value
      }
      continue;
    }
    if (const CLI::App* sub = subcommandNamed(*w.command, arg)) {
      w.command = sub;
      w.path += " " + arg;
      w.any_argument = false;
      continue;
    }
    w.any_argument = true;
    if (w.command->get_require_subcommand_min() > 0 && !w.unknown_command) w.unknown_command = arg;
  }
  return w;
}

}  // namespace

std::optional<std::string> nearestWord(std::string_view word, const std::vector<std::string>& candidates) {
  const size_t allowed = word.size() <= 4 ? 1 : word.size() <= 8 ? 2 : 3;
  std::optional<std::string> best;
  size_t bestDistance = allowed + 1;
  for (const std::string& c : candidates) {
    const size_t d = editDistance(word, c);
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return best;
}

std::string usageLine(const CLI::App& command, const std::string& command_path) {
  std::string line = "usage: " + command_path;
  std::string positional;
  for (const CLI::Option* opt : command.get_options()) {
    if (isHelp(opt)) continue;
    if (opt->get_positional()) {
      std::string p = opt->get_name(true) + (opt->get_items_expected_max() > 1 ? "..." : "");
      positional += " " + (opt->get_required() ? p : "[" + p + "]");
      continue;
    }
    // Tuning options (kTuningGroup) are documented but not part of the contract's usage line.
    if (opt->get_lnames().empty() || opt->get_group() == kTuningGroup) continue;
    std::string o = "--" + opt->get_lnames()[0];
    if (opt->get_type_size_max() > 0) o += " " + typeName(opt);
    line += " " + (opt->get_required() ? o : "[" + o + "]");
  }
  if (command.get_require_subcommand_min() > 0) {
    std::vector<std::string> names = subcommandNames(command);
    std::string choices;
    for (const std::string& n : names)
      choices += (choices.empty() ? "" : "|") + n;
    line += " " + choices + " ...";
  }
  return line + positional;
}

void explainParseError(const CLI::App& app, const CLI::ParseError& error, int argc, char** argv) {
  const Walk w = walkArguments(app, argc, argv);
  const std::vector<std::string> commands = subcommandNames(*w.command);
  if (w.unknown_command) {
    std::fprintf(stderr, "%s: unknown command \"%s\"%s (commands: %s)\n", w.path.c_str(), w.unknown_command->c_str(),
                 didYouMean(*w.unknown_command, commands).c_str(), joined(commands).c_str());
    return;
  }
  if (!w.unknown_options.empty()) {
    const std::vector<std::string> options = optionNames(*w.command);
    for (const std::string& o : w.unknown_options)
      std::fprintf(stderr, "%s: unknown option %s%s (expected: %s)\n", w.path.c_str(), o.c_str(), didYouMean(o, options).c_str(),
                   joined(options).c_str());
    return;
  }
  if (w.command->get_require_subcommand_min() > 0) {
    std::fprintf(stderr, "%s: a command is required: %s (%s --help)\n", w.path.c_str(), joined(commands).c_str(), w.path.c_str());
    return;
  }
  const std::string usage = usageLine(*w.command, w.path);
  if (!w.any_argument) {
    std::fprintf(stderr, "%s\n", usage.c_str());
    return;
  }
  std::fprintf(stderr, "%s: %s\n%s\n", w.path.c_str(), error.what(), usage.c_str());
}

}  // namespace fa::cli
