#pragma once
// Metrics: counters and gauges with labels, rendered in the Prometheus text format.
// Labels carry only reasons, outcomes, flags and analyte codes: never an identifier or a name.
// Thread-safe (one mutex; updates are rare compared with the work they count).
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace fa::daemon {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Metrics {
 public:
  // Declares a metric with its help text; type is "counter" or "gauge".
  void describe(const std::string& name, const std::string& type, const std::string& help);
  void add(const std::string& name, double value = 1, const Labels& labels = {});
  void set(const std::string& name, double value, const Labels& labels = {});
  // Drops every series of a gauge (before re-setting a labelled family such as records by flag).
  void clear(const std::string& name);
  double value(const std::string& name, const Labels& labels = {}) const;
  std::string render() const;

 private:
  struct Family {
    std::string type, help;
    std::map<Labels, double> series;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Family> families_;
};

}  // namespace fa::daemon
