// What the studio remembers between sessions, in QSettings under the application's organisation
// and name (tests set their own names, so they never touch a user's settings): the window's
// geometry and dock layout, recent models, texts and run folders, the last folder used for each
// kind of file, and the dark palette.
#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

class QMainWindow;

namespace bcjr::studio {

// Kinds of recent entry and of file dialog, each with its own list / last folder.
enum class RecentKind { Model, Text, Run };
enum class FileKind { Model, Text, Run, Plot, Snapshot };

class StudioSettings {
 public:
  static constexpr int kMaxRecent = 10;

  static void saveWindow(const QMainWindow* window);
  // False if nothing was saved yet (the window keeps its default layout).
  static bool restoreWindow(QMainWindow* window);

  // Most recent first, no duplicates, at most kMaxRecent; entries that no longer exist are kept
  // (a disk may be unmounted) but dropped by recent(..., true).
  static void addRecent(RecentKind kind, const QString& path);
  static QStringList recent(RecentKind kind, bool existing_only = false);
  static void clearRecent(RecentKind kind);

  // The folder of the last file chosen for `kind`, or `fallback`.
  static QString lastFolder(FileKind kind, const QString& fallback = QString());
  // Remembers the folder of `path` (or `path` itself if it is a folder).
  static void setLastFolder(FileKind kind, const QString& path);

  static bool dark();
  static void setDark(bool dark);
};

}  // namespace bcjr::studio
