#include "app/studio/view_capture.h"

#include <qcustomplot.h>

#include <QCoreApplication>
#include <QDir>
#include <QPixmap>
#include <QRegularExpression>
#include <QTabWidget>

#include "app/studio/latency_monitor.h"
#include "app/studio/main_window.h"

namespace bcjr::studio {

ViewCapture::ViewCapture(MainWindow* window, const QString& dir, int timeout_ms, QObject* parent)
    : QObject(parent), window_(window), dir_(dir), timeout_ms_(timeout_ms) {
  poll_.setSingleShot(true);
  poll_.setInterval(50);
  connect(&poll_, &QTimer::timeout, this, &ViewCapture::work);
}

QString ViewCapture::slug(const QString& title) {
  QString s = title.toLower();
  s.remove('&');
  s.replace(QRegularExpression("[^a-z0-9]+"), "-");
  s.remove(QRegularExpression("^-+|-+$"));
  return s.isEmpty() ? QStringLiteral("view") : s;
}

bool ViewCapture::plotsHaveData(QWidget* page, bool computed_views_ready) {
  for (QCustomPlot* plot : page->findChildren<QCustomPlot*>()) {
    if (!plot->isVisibleTo(page)) continue;
    // A plot of curves has data when one of them has; a plot of colour maps alone (a matrix, a
    // posterior) cannot say, and is drawn once the window's computed views have their result.
    bool has_curves = false, has = false;
    for (int i = 0; i < plot->plottableCount() && !has; ++i) {
      QCPPlottableInterface1D* data = plot->plottable(i)->interface1D();
      has_curves = has_curves || data;
      has = data && data->dataCount() > 0;
    }
    if (!has && (has_curves || !computed_views_ready)) return false;
  }
  return true;
}

void ViewCapture::capture(const QString& moment) {
  auto* tabs = window_->findChild<QTabWidget*>("views");
  Job job;
  job.moment = moment;
  for (int i = 0; i < tabs->count(); ++i) job.pending.append(i);
  jobs_.append(job);
  work();
}

bool ViewCapture::ready(int tab) const {
  auto* tabs = window_->findChild<QTabWidget*>("views");
  // Before the first step the run-fed plots are rightly empty: then only the computed views count.
  const bool computed = window_->viewsReady();
  return plotsHaveData(tabs->widget(tab), computed) || (steps_shown_ == 0 && computed);
}

void ViewCapture::grab(QWidget* widget, const QString& moment, const QString& view, bool no_data) {
  QElapsedTimer clock;
  clock.start();
  // Draw what arrived (the window's coalescing timer may not have run yet) and lay the page out.
  window_->redrawViews();
  QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
  for (QCustomPlot* plot : widget->findChildren<QCustomPlot*>())
    if (plot->isVisibleTo(widget)) plot->replot(QCustomPlot::rpImmediateRefresh);
  CapturedView v;
  v.moment = moment;
  v.view = view;
  v.steps_shown = steps_shown_;
  v.no_data = no_data;
  v.file = QDir(dir_).filePath(QStringLiteral("%1-%2.png").arg(moment, view));
  const bool saved = widget->grab().save(v.file, "PNG");
  v.grab_ms = clock.nsecsElapsed() * 1e-6;
  window_->latencyMonitor()->discardCurrentInterval();
  if (!saved) {
    Q_EMIT failed(tr("--screenshots: could not write %1").arg(v.file));
    return;
  }
  captured_.append(v);
  Q_EMIT viewSaved(v);
}

void ViewCapture::work() {
  auto* tabs = window_->findChild<QTabWidget*>("views");
  const int user_tab = tabs->currentIndex();
  // Every view that is ready now is grabbed now (the run-fed ones then show exactly this step);
  // the others as they become ready, or when the wait is over.
  for (Job& job : jobs_) {
    const bool out = job.waiting.isValid() && job.waiting.elapsed() >= timeout_ms_;
    for (auto it = job.pending.begin(); it != job.pending.end();) {
      const int tab = *it;
      const bool has_data = ready(tab);
      if (!has_data && !out && !empty_tabs_.contains(tab)) {
        ++it;
        continue;
      }
      if (!has_data) empty_tabs_.insert(tab);
      tabs->setCurrentIndex(tab);
      grab(tabs->widget(tab), job.moment, slug(tabs->tabText(tab)), !has_data);
      it = job.pending.erase(it);
    }
  }
  tabs->setCurrentIndex(user_tab);
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    if (!it->pending.isEmpty()) {
      if (!it->waiting.isValid()) it->waiting.start();
      ++it;
      continue;
    }
    grab(window_, it->moment, QStringLiteral("window"), false);
    it = jobs_.erase(it);
  }
  if (!jobs_.isEmpty()) {
    poll_.start();
    return;
  }
  Q_EMIT idle();
}

}  // namespace bcjr::studio
