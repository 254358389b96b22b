// Temperature schedules posted from another thread (the GUI's schedule editor) for a running
// BCJR-QAT, taken by the training thread at the start of its next step, which also logs them.
// A post names one phase (independent and greedy runs train one layer per phase) or every phase.
// Posting never waits on training: the mutex is held only to move schedules in or out.
#pragma once

#include <cstdint>
#include <mutex>
#include <vector>

#include "engine/quant/schedule.h"

namespace bcjr::quant {

struct SchedulePost {
  int64_t phase = -1;  // -1: every phase
  TemperatureSchedule schedule;
};

class ScheduleMailbox {
 public:
  // Every phase's: replaces whatever was posted before and not yet taken.
  void post(const TemperatureSchedule& s) { post(-1, s); }
  // One phase's (phase >= 0; the poster checks the range): replaces an earlier post for that phase.
  void post(int64_t phase, const TemperatureSchedule& s) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (phase < 0) pending_.clear();
    for (auto it = pending_.begin(); it != pending_.end();)
      it = it->phase == phase ? pending_.erase(it) : it + 1;
    pending_.push_back({phase, s});
  }
  // What was posted since the last take, oldest first (apply in this order).
  std::vector<SchedulePost> take() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<SchedulePost> posts;
    posts.swap(pending_);
    return posts;
  }

 private:
  std::mutex mutex_;
  std::vector<SchedulePost> pending_;
};

}  // namespace bcjr::quant
