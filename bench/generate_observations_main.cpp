// generate_observations [--size-mb N] [--trial-only] [--seed S] OUT.ndjson SUBJECTS.csv
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "generate_observations.h"

int main(int argc, char** argv) {
  fa::bench::GeneratorOptions options;
  std::string paths[2];
  int npaths = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--size-mb" && i + 1 < argc) {
      options.target_bytes = std::strtoull(argv[++i], nullptr, 10) << 20;
    } else if (a == "--seed" && i + 1 < argc) {
      options.seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--trial-only") {
      options.variant = fa::bench::Variant::TrialOnly;
    } else if (npaths < 2 && !a.empty() && a[0] != '-') {
      paths[npaths++] = a;
    } else {
      npaths = -1;
      break;
    }
  }
  if (npaths != 2) {
    std::fprintf(stderr, "usage: generate_observations [--size-mb N] [--trial-only] [--seed S] OUT.ndjson SUBJECTS.csv\n");
    return 2;
  }
  try {
    auto r = fa::bench::generateObservations(options, paths[0], paths[1]);
    std::printf("%s: %llu bytes, %llu lines, %llu trial lines (%s)\n", paths[0].c_str(), static_cast<unsigned long long>(r.bytes),
                static_cast<unsigned long long>(r.lines), static_cast<unsigned long long>(r.trial_lines),
                fa::bench::variantName(options.variant));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "generate_observations: %s\n", e.what());
    return 1;
  }
  return 0;
}
