// How responsive the GUI thread is while a run goes: a repeating 10 ms timer on the GUI thread,
// whose lateness (the time between two ticks beyond 10 ms) is what a user feels as a stuck window.
// Samples go into a fixed histogram, so an hours-long run costs no memory and no sorting.
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QTimer>
#include <QVector>

namespace bcjr::studio {

struct LatencyStats {
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  double max_at_s = 0;  // when the worst one ended, in seconds since start()
  qint64 samples = 0;
  double interval_ms = 0;  // the timer's period
  // "event-loop latency (10 ms timer on the GUI thread): p50 0.1 ms, p99 0.6 ms, max 3.2 ms (at 12.5 s),
  // 12000 samples"
  QString describe() const;
};

// Percentiles of lateness samples, from a histogram of 0.05 ms bins up to 2 s (then one overflow
// bin, whose percentiles are reported as the exact maximum). A percentile is the upper edge of its
// bin, never above the maximum: within 0.05 ms of the exact order statistic below 2 s.
class LatencyHistogram {
 public:
  static constexpr double kBinMs = 0.05;
  static constexpr int kBins = 40000;  // 2 s
  LatencyHistogram();
  void add(double lateness_ms);
  void clear();
  qint64 count() const { return count_; }
  double max() const { return max_; }
  // q in [0, 1]: the smallest bin edge below which at least ceil(q * count) samples lie.
  double percentile(double q) const;

 private:
  QVector<quint32> bins_;  // kBins + 1, the last for >= 2 s
  qint64 count_ = 0;
  double max_ = 0;
};

class LatencyMonitor : public QObject {
  Q_OBJECT
 public:
  explicit LatencyMonitor(int interval_ms = 10, QObject* parent = nullptr);
  void start();  // clears the samples
  void stop();
  bool running() const { return timer_.isActive(); }
  // Leaves the interval under way out of the samples: for work the studio does on the GUI thread
  // for a script, not for a user (--screenshots grabbing views), which would be measured as latency.
  void discardCurrentInterval() { last_ns_ = -1; }
  LatencyStats stats() const;

 private:
  void tick();
  int interval_ms_;
  QTimer timer_;
  QElapsedTimer clock_;
  qint64 last_ns_ = -1;
  double max_at_s_ = 0;
  LatencyHistogram histogram_;
};

}  // namespace bcjr::studio
