// The end-of-run summary the window shows when a run it ran finishes: the run folder, its steps,
// the FP / PTQ / QAT perplexities with their protocol (data part, ctx, windows, BOS, dtype) and
// what QAT changed against PTQ, with an Export button. Not modal: the window stays usable.
#pragma once

#include <QDialog>

class QLabel;
class QPushButton;

namespace bcjr::studio {

class RunSummaryDialog : public QDialog {
  Q_OBJECT
 public:
  // Reads the run folder's results (a few small files).
  RunSummaryDialog(const QString& run_dir, QWidget* parent = nullptr);
  QString runDir() const { return run_dir_; }
  QString text() const;

 Q_SIGNALS:
  void exportRequested(const QString& run_dir);

 private:
  QString run_dir_;
  QLabel* text_;
};

}  // namespace bcjr::studio
