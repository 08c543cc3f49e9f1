#include "daemon/records_output.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "daemon/exit_codes.h"
#include "engine/record_writer.h"
#include "store/observation_store.h"

namespace fa::daemon {
namespace {

bool oneOf(const std::vector<std::string>& allowed, const std::string& value) {
  return allowed.empty() || std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

// Writes to a temporary file beside the target and renames it at the end, so a failed run never
// leaves half a file under the name asked for.
class Output {
 public:
  explicit Output(const std::string& path) : path_(path), temp_(path.empty() ? "" : path + ".partial") {
    file_ = path.empty() ? stdout : std::fopen(temp_.c_str(), "wb");
  }
  ~Output() {
    if (file_ != nullptr && file_ != stdout) std::fclose(file_);
    if (!temp_.empty() && !done_) std::remove(temp_.c_str());
  }
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;

  bool ok() const { return file_ != nullptr && ok_; }
  void write(const std::string& text) { ok_ = ok_ && std::fwrite(text.data(), 1, text.size(), file_) == text.size(); }
  // The error text, or empty when everything was written and renamed into place.
  std::string finish() {
    if (file_ == stdout) return std::fflush(stdout) == 0 ? "" : std::strerror(errno);
    const bool closed = std::fclose(file_) == 0;
    file_ = nullptr;
    if (!ok_ || !closed) return std::strerror(errno);
    if (std::rename(temp_.c_str(), path_.c_str()) != 0) return std::strerror(errno);
    done_ = true;
    return "";
  }

 private:
  std::string path_, temp_;
  std::FILE* file_ = nullptr;
  bool ok_ = true;
  bool done_ = false;
};

}  // namespace

bool RecordQuery::matches(const engine::OutcomeRecord& r) const {
  const std::string flag = r.flag ? std::string(core::toString(*r.flag)) : "retracted";
  return oneOf(subjects, r.subject_id) && oneOf(analytes, r.analyte) && oneOf(visits, r.visit) && oneOf(flags, flag);
}

int printRecords(const DaemonConfig& c, const RecordQuery& query) {
  std::error_code ec;
  if (!std::filesystem::exists(c.store.path, ec)) {
    std::fprintf(stderr, "fhir-adapter records: %s: no store yet (run the daemon first)\n", c.store.path.string().c_str());
    return kExitConfig;
  }
  const std::string target = query.output.empty() ? "standard output" : query.output;
  try {
    store::ObservationStore store(c.store.path.string(), store::SqliteDb::Mode::ReadOnly);
    Output out(query.output);
    if (!out.ok()) {
      std::fprintf(stderr, "fhir-adapter records: %s: cannot be written: %s\n", target.c_str(), std::strerror(errno));
      return kExitConfig;
    }
    std::string buffer = query.csv ? engine::csvHeader() : std::string();
    if (query.byte_order_mark) buffer.insert(0, "\xEF\xBB\xBF");
    std::size_t written = 0, all = 0;
    store.forEachRecord([&](const engine::OutcomeRecord& r) {
      ++all;
      if (!query.matches(r)) return;
      query.csv ? engine::appendCsv(buffer, r) : engine::appendNdjson(buffer, r);  // each line with its newline
      ++written;
      if (buffer.size() > (1 << 20)) {
        out.write(buffer);
        buffer.clear();
      }
    });
    out.write(buffer);
    if (std::string problem = out.finish(); !problem.empty()) {
      std::fprintf(stderr, "fhir-adapter records: %s: cannot be written: %s\n", target.c_str(), problem.c_str());
      return kExitConfig;
    }
    if (query.filtered())
      std::fprintf(stderr, "fhir-adapter records: %zu records (of %zu)\n", written, all);
    else
      std::fprintf(stderr, "fhir-adapter records: %zu records\n", written);
    return kExitOk;
  } catch (const store::StoreError& e) {
    std::fprintf(stderr, "fhir-adapter records: %s\n", e.what());
    return kExitConfig;
  }
}

}  // namespace fa::daemon
