#include "app/studio/snapshot_export.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPointer>
#include <QProgressDialog>
#include <QPushButton>
#include <QtConcurrent/QtConcurrentRun>

#include "app/studio/studio_settings.h"
#include "engine/core/error.h"
#include "engine/core/progress.h"
#include "engine/quant/export_run.h"
#include "engine/quant/run_index.h"

namespace bcjr::studio {
namespace {

// Engine progress -> a queued signal; false (cancel) once the flag is set.
class QueuedProgress : public ProgressReporter {
 public:
  QueuedProgress(SnapshotExporter* target, std::shared_ptr<std::atomic<bool>> cancel)
      : target_(target), cancel_(std::move(cancel)) {}
  bool report(const ProgressEvent& e) override {
    QPointer<SnapshotExporter> t(target_);
    const QString stage = QString::fromStdString(e.stage);
    QMetaObject::invokeMethod(
        target_, [t, stage, done = e.done, total = e.total] {
          if (t) Q_EMIT t->progress(stage, done, total);
        },
        Qt::QueuedConnection);
    return !cancel_->load();
  }

 private:
  SnapshotExporter* target_;
  std::shared_ptr<std::atomic<bool>> cancel_;
};

struct Outcome {
  enum Kind { Done, Failed, Cancelled } kind = Done;
  QString text;
};

const char* const kFormats[] = {"pt", "packed", "hf"};

}  // namespace

SnapshotExporter::SnapshotExporter(QObject* parent) : QObject(parent) {}

SnapshotExporter::~SnapshotExporter() {
  cancel();
  running_.waitForFinished();
}

bool SnapshotExporter::start(const QString& run_dir, const QString& format, const QString& out) {
  if (busy_) return false;
  busy_ = true;
  cancel_ = std::make_shared<std::atomic<bool>>(false);
  auto cancel = cancel_;
  const std::string run = run_dir.toStdString(), fmt = format.toStdString(), path = out.toStdString();
  auto* watcher = new QFutureWatcher<Outcome>(this);
  connect(watcher, &QFutureWatcher<Outcome>::finished, this, [this, watcher] {
    const Outcome o = watcher->result();
    watcher->deleteLater();
    busy_ = false;
    if (o.kind == Outcome::Done) Q_EMIT finished(o.text);
    else if (o.kind == Outcome::Cancelled) Q_EMIT cancelled();
    else Q_EMIT failed(o.text);
  });
  QFuture<Outcome> future = QtConcurrent::run([this, cancel, run, fmt, path] {
    Outcome o;
    QueuedProgress progress(this, cancel);
    try {
      o.text = QString::fromStdString(quant::export_run(run, fmt, path, &progress).details).trimmed();
    } catch (const Cancelled&) {
      o.kind = Outcome::Cancelled;
    } catch (const std::exception& e) {
      o.kind = Outcome::Failed;
      o.text = QString::fromStdString(e.what());
    }
    return o;
  });
  running_ = QFuture<void>(future);
  watcher->setFuture(future);
  return true;
}

void SnapshotExporter::cancel() {
  if (cancel_) cancel_->store(true);
}

QString default_export_path(const QString& run_dir, const QString& format, const QString& folder) {
  const QString name = QFileInfo(run_dir).fileName();
  if (format == "packed") return QDir(folder).filePath(name + ".safetensors");
  if (format == "hf") return QDir(folder).filePath(name + "-hf");
  const quant::RunSummary r = quant::summarize_run(run_dir.toStdString());
  if (r.error.empty() && r.config.layers.size() == 1)
    return QDir(folder).filePath(QStringLiteral("%1-layer%2.pt").arg(name).arg(r.config.layers[0]));
  return QDir(folder).filePath(name + "-pt");
}

ExportSnapshotDialog::ExportSnapshotDialog(const QString& run_dir, QWidget* parent) : QDialog(parent), run_dir_(run_dir) {
  setWindowTitle(tr("Export snapshot"));
  auto* form = new QFormLayout(this);
  auto* run = new QLabel(QDir::toNativeSeparators(run_dir));
  run->setTextInteractionFlags(Qt::TextSelectableByMouse);
  form->addRow(tr("Run"), run);
  format_ = new QComboBox;
  format_->setObjectName("exportFormat");
  for (const char* f : kFormats) format_->addItem(f);
  form->addRow(tr("Format"), format_);
  about_ = new QLabel;
  about_->setWordWrap(true);
  form->addRow(QString(), about_);
  out_ = new QLineEdit;
  out_->setObjectName("exportPath");
  auto* browse = new QPushButton(tr("Browse…"));
  auto* row = new QHBoxLayout;
  row->addWidget(out_, 1);
  row->addWidget(browse);
  form->addRow(tr("Write to"), row);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  buttons->button(QDialogButtonBox::Ok)->setText(tr("Export"));
  form->addRow(buttons);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(out_, &QLineEdit::textEdited, this, [this] { out_edited_ = true; });
  connect(format_, &QComboBox::currentTextChanged, this, &ExportSnapshotDialog::formatChanged);
  connect(browse, &QPushButton::clicked, this, [this] {
    const bool folder = format() == "hf" || !outPath().endsWith(".pt");
    const QString p = format() == "packed"
                          ? QFileDialog::getSaveFileName(this, tr("Packed file"), outPath(), tr("safetensors (*.safetensors)"))
                      : folder ? QFileDialog::getExistingDirectory(this, tr("Folder"), QFileInfo(outPath()).absolutePath())
                               : QFileDialog::getSaveFileName(this, tr("Snapshot"), outPath(), tr("PyTorch (*.pt)"));
    if (!p.isEmpty()) setOutPath(p);
  });
  formatChanged();
  resize(640, sizeHint().height());
}

void ExportSnapshotDialog::formatChanged() {
  const QString f = format();
  about_->setText(f == "pt"       ? tr("The paper's .pt dicts of dequantised fp32 linears (torch.load, weights_only)")
                  : f == "packed" ? tr("Bitstreams, signs, scales and LUT in one safetensors file; `bcjr eval --packed` "
                                       "scores it")
                                  : tr("A Hugging Face folder: config, tokenizer (written from a GGUF's metadata), fp32 "
                                       "model.safetensors with the quantised layers dequantised"));
  if (!out_edited_) {
    const QString folder = StudioSettings::lastFolder(FileKind::Snapshot, QFileInfo(run_dir_).absolutePath());
    out_->setText(default_export_path(run_dir_, f, folder));
  }
}

QString ExportSnapshotDialog::format() const { return format_->currentText(); }
void ExportSnapshotDialog::setFormat(const QString& f) { format_->setCurrentText(f); }
QString ExportSnapshotDialog::outPath() const { return out_->text(); }
void ExportSnapshotDialog::setOutPath(const QString& p) {
  out_->setText(p);
  out_edited_ = true;
}

void export_snapshot_interactively(QWidget* parent, SnapshotExporter* exporter, const QString& run_dir) {
  if (exporter->busy()) {
    QMessageBox::information(parent, QObject::tr("Export snapshot"), QObject::tr("An export is already going."));
    return;
  }
  ExportSnapshotDialog dialog(run_dir, parent);
  if (dialog.exec() != QDialog::Accepted || dialog.outPath().isEmpty()) return;
  StudioSettings::setLastFolder(FileKind::Snapshot, QFileInfo(dialog.outPath()).absolutePath());
  auto* progress = new QProgressDialog(QObject::tr("Exporting %1…").arg(dialog.format()), QObject::tr("Cancel"), 0, 0, parent);
  progress->setWindowTitle(QObject::tr("Export snapshot"));
  progress->setMinimumDuration(300);
  progress->setAttribute(Qt::WA_DeleteOnClose);
  QObject::connect(progress, &QProgressDialog::canceled, exporter, &SnapshotExporter::cancel);
  QObject::connect(exporter, &SnapshotExporter::progress, progress, [progress](const QString& stage, qint64 done, qint64 total) {
    progress->setLabelText(stage);
    progress->setMaximum(int(std::max<qint64>(total, 0)));
    progress->setValue(int(done));
  });
  auto close = [progress] { progress->close(); };
  QObject::connect(exporter, &SnapshotExporter::finished, progress, close);
  QObject::connect(exporter, &SnapshotExporter::failed, progress, close);
  QObject::connect(exporter, &SnapshotExporter::cancelled, progress, close);
  exporter->start(run_dir, dialog.format(), dialog.outPath());
}

}  // namespace bcjr::studio
