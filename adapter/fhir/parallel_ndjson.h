#pragma once
// NDJSON read on several threads (docs/architecture.md, "Parallel reading"): the caller's
// thread cuts the input into batches of lines; workers parse each line and have the sink's
// preparers work on it; the caller's thread hands every outcome to the sink in input order.
// Internal to fhir/ (resource_stream.cpp chooses it).
#include <cstdint>
#include <string_view>

#include "fhir/input_buffer.h"
#include "fhir/resource_stream.h"

namespace fa::fhir::detail {

// `lines_before`: lines already consumed (blank ones before the content), for line numbers.
void readNdjsonInParallel(InputBuffer& in, std::string_view label, ResourceSink& sink, std::uint64_t& bundle_counter,
                          std::size_t lines_before, unsigned threads);

}  // namespace fa::fhir::detail
