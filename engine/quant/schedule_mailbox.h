// A temperature schedule posted from another thread (the GUI's schedule editor) for a running
// BCJR-QAT, taken by the training thread at the start of its next step, which also logs it. Posting
// never waits on training: the mutex is held only to move a schedule in or out.
#pragma once

#include <mutex>
#include <optional>

#include "engine/quant/schedule.h"

namespace bcjr::quant {

class ScheduleMailbox {
 public:
  // Replaces any schedule posted before and not yet taken.
  void post(const TemperatureSchedule& s) {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_ = s;
  }
  std::optional<TemperatureSchedule> take() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::optional<TemperatureSchedule> s = std::move(pending_);
    pending_.reset();
    return s;
  }

 private:
  std::mutex mutex_;
  std::optional<TemperatureSchedule> pending_;
};

}  // namespace bcjr::quant
