// File > Export snapshot and the Export button of a finished run: the run's quantised layers
// as pt, packed or hf, written by the engine's export_run (the code of `bcjr export`) on a
// worker thread, with progress and Cancel; the GUI thread only asks and shows.
#pragma once

#include <QDialog>
#include <QFuture>
#include <QObject>
#include <QString>
#include <atomic>
#include <memory>

class QComboBox;
class QLabel;
class QLineEdit;

namespace bcjr::studio {

class SnapshotExporter : public QObject {
  Q_OBJECT
 public:
  explicit SnapshotExporter(QObject* parent = nullptr);
  // Cancels an export that is going and waits for it (it stops at its next progress report).
  ~SnapshotExporter() override;
  // Starts one export; false (and nothing happens) while another is going.
  bool start(const QString& run_dir, const QString& format, const QString& out);
  void cancel();
  bool busy() const { return busy_; }

 Q_SIGNALS:
  void progress(const QString& stage, qint64 done, qint64 total);
  void finished(const QString& details);
  void failed(const QString& message);
  void cancelled();

 private:
  bool busy_ = false;
  std::shared_ptr<std::atomic<bool>> cancel_;
  QFuture<void> running_;  // the worker, which posts progress to this object while it runs
};

// The output a format gets by default: <folder>/<run>-layer<i>.pt (one layer) or <run>-pt/,
// <run>.safetensors, <run>-hf/.
QString default_export_path(const QString& run_dir, const QString& format, const QString& folder);

class ExportSnapshotDialog : public QDialog {
  Q_OBJECT
 public:
  ExportSnapshotDialog(const QString& run_dir, QWidget* parent = nullptr);
  QString format() const;
  void setFormat(const QString& format);
  QString outPath() const;
  void setOutPath(const QString& path);

 private:
  void formatChanged();
  QString run_dir_;
  QComboBox* format_;
  QLineEdit* out_;
  QLabel* about_;
  bool out_edited_ = false;
};

// The dialog, then the export with a progress dialog that can cancel it; returns at once.
void export_snapshot_interactively(QWidget* parent, SnapshotExporter* exporter, const QString& run_dir);

}  // namespace bcjr::studio
