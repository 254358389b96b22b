#include "app/studio/plot_export_dialog.h"

#include <qcustomplot.h>

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QMessageBox>
#include <QRegularExpression>

#include "app/studio/studio_settings.h"
#include "widgets/plot_export.h"

namespace bcjr::studio {

void export_plots_interactively(QWidget* parent, QWidget* view) {
  const QList<QCustomPlot*> plots = view ? widgets::plots_in(view) : QList<QCustomPlot*>();
  if (plots.isEmpty()) {
    QMessageBox::information(parent, QObject::tr("Export plot"), QObject::tr("This view has no plot to export."));
    return;
  }
  QCustomPlot* plot = plots.first();
  if (plots.size() > 1) {
    QStringList titles;
    for (int i = 0; i < plots.size(); ++i) titles << QStringLiteral("%1. %2").arg(i + 1).arg(widgets::plot_title(plots[i]));
    bool ok = false;
    const QString choice = QInputDialog::getItem(parent, QObject::tr("Export plot"), QObject::tr("Plot:"), titles, 0, false, &ok);
    if (!ok) return;
    plot = plots[titles.indexOf(choice)];
  }
  QString name = widgets::plot_title(plot).toLower();
  name.replace(QRegularExpression("[^a-z0-9]+"), "-");
  name = name.section('-', 0, 5, QString::SectionSkipEmpty);
  if (name.isEmpty()) name = "plot";
  QString filter;
  QString path = QFileDialog::getSaveFileName(parent, QObject::tr("Export plot"),
                                              QDir(StudioSettings::lastFolder(FileKind::Plot, QDir::currentPath()))
                                                  .filePath(name + ".png"),
                                              widgets::plot_file_filter(), &filter);
  if (path.isEmpty()) return;
  if (QFileInfo(path).suffix().isEmpty()) path += widgets::plot_filter_suffix(filter);
  StudioSettings::setLastFolder(FileKind::Plot, path);
  QString error;
  if (!widgets::save_plot(plot, path, 2.0, &error))
    QMessageBox::warning(parent, QObject::tr("Export plot"), error);
}

}  // namespace bcjr::studio
