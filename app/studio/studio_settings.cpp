#include "app/studio/studio_settings.h"

#include <QDir>
#include <QFileInfo>
#include <QMainWindow>
#include <QSettings>

namespace bcjr::studio {
namespace {

QString recent_key(RecentKind k) {
  switch (k) {
    case RecentKind::Model: return "recent/models";
    case RecentKind::Text: return "recent/texts";
    case RecentKind::Run: return "recent/runs";
  }
  return "recent/other";
}

QString folder_key(FileKind k) {
  switch (k) {
    case FileKind::Model: return "folders/model";
    case FileKind::Text: return "folders/text";
    case FileKind::Run: return "folders/run";
    case FileKind::Plot: return "folders/plot";
    case FileKind::Snapshot: return "folders/snapshot";
  }
  return "folders/other";
}

}  // namespace

void StudioSettings::saveWindow(const QMainWindow* window) {
  QSettings s;
  s.setValue("window/geometry", window->saveGeometry());
  s.setValue("window/state", window->saveState());
}

bool StudioSettings::restoreWindow(QMainWindow* window) {
  QSettings s;
  const QByteArray geometry = s.value("window/geometry").toByteArray();
  const QByteArray state = s.value("window/state").toByteArray();
  bool restored = false;
  if (!geometry.isEmpty()) restored |= window->restoreGeometry(geometry);
  if (!state.isEmpty()) restored |= window->restoreState(state);
  return restored;
}

void StudioSettings::addRecent(RecentKind kind, const QString& path) {
  if (path.isEmpty()) return;
  QSettings s;
  QStringList list = s.value(recent_key(kind)).toStringList();
  const QString entry = path == "default" ? path : QFileInfo(path).absoluteFilePath();
  list.removeAll(entry);
  list.prepend(entry);
  while (list.size() > kMaxRecent) list.removeLast();
  s.setValue(recent_key(kind), list);
}

QStringList StudioSettings::recent(RecentKind kind, bool existing_only) {
  QStringList list = QSettings().value(recent_key(kind)).toStringList();
  if (existing_only)
    list.erase(std::remove_if(list.begin(), list.end(),
                              [](const QString& p) { return p != "default" && !QFileInfo::exists(p); }),
               list.end());
  return list;
}

void StudioSettings::clearRecent(RecentKind kind) { QSettings().remove(recent_key(kind)); }

QString StudioSettings::lastFolder(FileKind kind, const QString& fallback) {
  const QString f = QSettings().value(folder_key(kind)).toString();
  return !f.isEmpty() && QFileInfo(f).isDir() ? f : fallback;
}

void StudioSettings::setLastFolder(FileKind kind, const QString& path) {
  if (path.isEmpty()) return;
  const QFileInfo fi(path);
  QSettings().setValue(folder_key(kind), fi.isDir() ? fi.absoluteFilePath() : fi.absolutePath());
}

bool StudioSettings::dark() { return QSettings().value("view/dark", false).toBool(); }
void StudioSettings::setDark(bool dark) { QSettings().setValue("view/dark", dark); }

}  // namespace bcjr::studio
