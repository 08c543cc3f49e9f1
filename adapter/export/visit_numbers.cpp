#include "export/visit_numbers.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace fa::exports {
namespace {

// Windows in day order with their schedule number (1-based, in the order trial.json lists them).
struct NumberedWindow {
  const core::VisitWindow* window;
  int number;
};

std::vector<NumberedWindow> windowsByDay(const core::VisitSchedule& schedule) {
  std::vector<NumberedWindow> out;
  for (std::size_t i = 0; i < schedule.windows().size(); ++i)
    out.push_back({&schedule.windows()[i], static_cast<int>(i) + 1});
  std::sort(out.begin(), out.end(),
            [](const NumberedWindow& a, const NumberedWindow& b) { return a.window->first_day < b.window->first_day; });
  return out;
}

// The number of the last visit whose window ends before `day`, 0 when none does.
int visitBefore(const std::vector<NumberedWindow>& windows, core::StudyDay day) {
  int before = 0;
  for (const NumberedWindow& w : windows)
    if (w.window->last_day < day) before = w.number;
  return before;
}

std::string fraction(int ordinal, int width) {
  std::string digits = std::to_string(ordinal);
  if (static_cast<int>(digits.size()) < width) digits.insert(0, static_cast<std::size_t>(width) - digits.size(), '0');
  while (digits.size() > 1 && digits.back() == '0')
    digits.pop_back();  // 3.10 is the number 3.1: written the way a number prints
  return digits;
}

}  // namespace

std::vector<std::string> visitNumbers(const std::vector<const engine::OutcomeRecord*>& records,
                                      const core::VisitSchedule& schedule) {
  const std::vector<NumberedWindow> windows = windowsByDay(schedule);
  std::map<std::string, int> scheduled;
  for (const NumberedWindow& w : windows)
    scheduled[w.window->name] = w.number;
  // (subject, visit before, date) of each unscheduled record; the dates per (subject, visit) in order.
  using Slot = std::tuple<std::string, int, std::string>;
  std::vector<std::optional<Slot>> slots(records.size());
  std::map<std::pair<std::string, int>, std::set<std::string>> dates;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const engine::OutcomeRecord& r = *records[i];
    if (scheduled.count(r.visit) || !r.study_day || !r.effective) continue;
    const int before = visitBefore(windows, *r.study_day);
    slots[i] = Slot{r.subject_id, before, *r.effective};
    dates[{r.subject_id, before}].insert(*r.effective);
  }
  std::size_t most = 0;
  for (const auto& entry : dates)
    most = std::max(most, entry.second.size());
  const int width = most >= 10 ? static_cast<int>(std::to_string(most).size()) : 1;
  std::vector<std::string> out(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    const engine::OutcomeRecord& r = *records[i];
    if (auto it = scheduled.find(r.visit); it != scheduled.end()) {
      out[i] = std::to_string(it->second);
    } else if (slots[i]) {
      const auto& [subject, before, date] = *slots[i];
      const std::set<std::string>& list = dates[{subject, before}];
      const int ordinal = static_cast<int>(std::distance(list.begin(), list.find(date))) + 1;
      out[i] = std::to_string(before) + "." + fraction(ordinal, width);
    }
  }
  return out;
}

}  // namespace fa::exports
