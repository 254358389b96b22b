// main() for the Qt tests: like QTEST_MAIN, but in a settings scope of their own (organisation
// "BCJR Studio Tests", the test's name, and a temporary folder for QSettings and QStandardPaths),
// so that a test never reads or writes a user's studio settings.
#pragma once

#include <QApplication>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#define BCJR_GUI_TEST_MAIN(TestObject)                                                 \
  int main(int argc, char** argv) {                                                    \
    QTemporaryDir settings_dir;                                                        \
    qputenv("XDG_CONFIG_HOME", settings_dir.path().toUtf8());                          \
    QApplication app(argc, argv);                                                      \
    QStandardPaths::setTestModeEnabled(true);                                          \
    QCoreApplication::setOrganizationName("BCJR Studio Tests");                        \
    QCoreApplication::setApplicationName(#TestObject);                                 \
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, settings_dir.path()); \
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, settings_dir.path());    \
    app.setAttribute(Qt::AA_Use96Dpi, true);                                           \
    TestObject tc;                                                                     \
    QTEST_SET_MAIN_SOURCE_PATH                                                         \
    return QTest::qExec(&tc, argc, argv);                                              \
  }
