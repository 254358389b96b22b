#include "app/studio/latency_monitor.h"

#include <algorithm>
#include <cmath>

namespace bcjr::studio {

QString LatencyStats::describe() const {
  return QObject::
      tr("event-loop latency (%1 ms timer on the GUI thread): p50 %2 ms, p99 %3 ms, max %4 ms (at %5 s), %6 samples")
          .arg(interval_ms, 0, 'g', 3)
          .arg(p50_ms, 0, 'f', 2)
          .arg(p99_ms, 0, 'f', 2)
          .arg(max_ms, 0, 'f', 2)
          .arg(max_at_s, 0, 'f', 1)
          .arg(samples);
}

LatencyHistogram::LatencyHistogram() : bins_(kBins + 1, 0) {}

void LatencyHistogram::add(double ms) {
  ms = std::max(0.0, ms);
  const double bin = std::floor(ms / kBinMs);
  bins_[bin >= kBins ? kBins : int(bin)]++;
  ++count_;
  max_ = std::max(max_, ms);
}

void LatencyHistogram::clear() {
  std::fill(bins_.begin(), bins_.end(), 0u);
  count_ = 0;
  max_ = 0;
}

double LatencyHistogram::percentile(double q) const {
  if (count_ == 0) return 0;
  const qint64 need = std::max<qint64>(1, qint64(std::ceil(q * double(count_))));
  qint64 seen = 0;
  for (int i = 0; i < kBins; ++i) {
    seen += bins_[i];
    if (seen >= need) return std::min(max_, (i + 1) * kBinMs);
  }
  return max_;
}

LatencyMonitor::LatencyMonitor(int interval_ms, QObject* parent) : QObject(parent), interval_ms_(interval_ms) {
  // A precise timer: a coarse one may fire up to 5% early or late by design, which would be
  // measured as latency.
  timer_.setTimerType(Qt::PreciseTimer);
  timer_.setInterval(interval_ms_);
  connect(&timer_, &QTimer::timeout, this, &LatencyMonitor::tick);
}

void LatencyMonitor::start() {
  histogram_.clear();
  last_ns_ = -1;
  max_at_s_ = 0;
  clock_.start();
  timer_.start();
}

void LatencyMonitor::stop() {
  timer_.stop();
}

void LatencyMonitor::tick() {
  const qint64 now = clock_.nsecsElapsed();
  if (last_ns_ >= 0) {
    const double late = double(now - last_ns_) * 1e-6 - interval_ms_;
    if (late > histogram_.max()) max_at_s_ = double(now) * 1e-9;
    histogram_.add(late);
  }
  last_ns_ = now;
}

LatencyStats LatencyMonitor::stats() const {
  LatencyStats s;
  s.p50_ms = histogram_.percentile(0.50);
  s.p99_ms = histogram_.percentile(0.99);
  s.max_ms = histogram_.max();
  s.max_at_s = max_at_s_;
  s.samples = histogram_.count();
  s.interval_ms = interval_ms_;
  return s;
}

}  // namespace bcjr::studio
