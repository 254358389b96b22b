// Pictures of every view of the window, for scripted runs (--autorun --screenshots DIR): each tab
// and then the whole window, as PNGs named after the moment and the view
// ("after-step-05-flips.png", "end-window.png"). A view is grabbed only once its data is drawn:
// every visible plot of curves on its page has data, and the window's computed views (posterior,
// Learn) have their result (before the first step, when the run-fed plots are rightly empty, only
// the latter). Ready views are grabbed at once, the others as they become ready;
// after a timeout they are grabbed anyway, the capture says which view was still empty, and later
// captures do not wait for that view again. Each picture records the steps the views had drawn.
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QTimer>

class QWidget;

namespace bcjr::studio {

class MainWindow;

struct CapturedView {
  QString moment;  // "after-step-05", "end"
  QString view;    // "flips", ..., "window"
  QString file;
  int steps_shown = 0;   // steps the views had drawn when it was grabbed
  bool no_data = false;  // grabbed without its data (still empty when the wait was over)
  double grab_ms = 0;    // the GUI thread's time to draw and save it (left out of the latency samples)
};

class ViewCapture : public QObject {
  Q_OBJECT
 public:
  ViewCapture(MainWindow* window, const QString& dir, int timeout_ms = 60000, QObject* parent = nullptr);

  // Queues a capture of every view; grabbed at once if every view is ready, else as they become so.
  void capture(const QString& moment);
  bool busy() const { return !jobs_.isEmpty(); }
  // Steps the views have drawn (the caller updates it as steps arrive).
  void setStepsShown(int steps) { steps_shown_ = steps; }
  const QList<CapturedView>& captured() const { return captured_; }
  // A file-name slug of a tab's title: "Trellis && Ising" -> "trellis-ising".
  static QString slug(const QString& title);
  // True when every visible plot of curves on the page has data in at least one of them (plots of
  // colour maps alone count once `computed_views_ready`).
  static bool plotsHaveData(QWidget* page, bool computed_views_ready);

 Q_SIGNALS:
  void viewSaved(const bcjr::studio::CapturedView& v);
  void failed(const QString& message);
  void idle();  // the queue ran empty

 private:
  struct Job {
    QString moment;
    QList<int> pending;     // tabs not grabbed yet
    QElapsedTimer waiting;  // since its first pass left some pending
  };
  void work();
  bool ready(int tab) const;
  void grab(QWidget* widget, const QString& moment, const QString& view, bool no_data);

  MainWindow* window_;
  QString dir_;
  int timeout_ms_;
  QList<Job> jobs_;
  int steps_shown_ = 0;
  QSet<int> empty_tabs_;  // grabbed without data once: later captures do not wait for them again
  QTimer poll_;
  QList<CapturedView> captured_;
};

}  // namespace bcjr::studio
