#pragma once
// The fuzz harnesses: one function per libFuzzer target (fuzz/<name>_fuzz.cpp), each taking
// one input as libFuzzer hands it over. Each returns 0; a bug shows as a crash, a sanitizer
// report or an exception that escapes (input the adapter should refuse is refused and caught
// inside the harness). The same functions replay the committed corpora and regression inputs in
// an ordinary unit test (tests/fuzz_regressions), so a fixed crash stays fixed in every build.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace fa::fuzz {

using Harness = int (*)(const std::uint8_t* data, std::size_t size);

int fuzzObservation(const std::uint8_t* data, std::size_t size);      // parse + map one resource
int fuzzResourceStream(const std::uint8_t* data, std::size_t size);   // NDJSON / Bundle streaming, one page
int fuzzNotification(const std::uint8_t* data, std::size_t size);     // subscription notification classification
int fuzzCallbackRequest(const std::uint8_t* data, std::size_t size);  // raw HTTP request -> intake
int fuzzMappings(const std::uint8_t* data, std::size_t size);         // one fhir-mappings/ file replaced
int fuzzConfig(const std::uint8_t* data, std::size_t size);           // the daemon's TOML file
int fuzzRoster(const std::uint8_t* data, std::size_t size);           // subjects.csv
int fuzzDecimal(const std::uint8_t* data, std::size_t size);          // core::Decimal text

#ifndef FA_FUZZ_ENTRY  // a fuzzer executable links its own harness only
struct Target {
  std::string_view name;  // the folder under fuzz/corpus/ and fuzz/regressions/
  Harness run;
};
inline constexpr Target kTargets[] = {{"observation", fuzzObservation},
                                      {"resource_stream", fuzzResourceStream},
                                      {"notification", fuzzNotification},
                                      {"callback_request", fuzzCallbackRequest},
                                      {"mappings", fuzzMappings},
                                      {"config", fuzzConfig},
                                      {"roster", fuzzRoster},
                                      {"decimal", fuzzDecimal}};
#endif

}  // namespace fa::fuzz

// The libFuzzer entry point, only in the fuzzer executables (FA_FUZZ_ENTRY is set there).
#ifdef FA_FUZZ_ENTRY
#define FA_FUZZ_TARGET(harness)                                                       \
  extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) { \
    return harness(data, size);                                                       \
  }
#else
#define FA_FUZZ_TARGET(harness)
#endif
