#pragma once
// BulkSettings: the [bulk] section (docs/contract.md, "[bulk]"), validated by
// daemon_config into this immutable value.
#include <chrono>
#include <cstddef>
#include <string>

namespace fa::bulk {

struct BulkSettings {
  bool enabled = false;          // [bulk] present (or `run --once --bulk`)
  std::string level = "system";  // system ($export) | patient (Patient/$export) | group
  std::string group_id;          // level = "group"
  bool first_load = true;        // an empty store is first filled by $export
  // Status polling: the server's Retry-After when it sends one (capped), else a backoff from
  // poll_min doubling to poll_max; a run stops waiting after max_wait (the job is kept and
  // resumed by the next run).
  std::chrono::seconds poll_min{2};
  std::chrono::seconds poll_max{120};
  std::chrono::seconds max_retry_after{600};
  std::chrono::seconds max_wait{6 * 3600};
  int file_attempts = 5;                 // per file download (transport errors, 429, 5xx)
  std::chrono::seconds file_backoff{2};  // first retry delay, doubling
  std::size_t batch_lines = 500;         // NDJSON lines per store transaction
};

}  // namespace fa::bulk
