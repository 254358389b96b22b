// A non-modal message strip above the views: engine errors reach the user here without stopping
// anything (a modal box would block the window, and a scripted run waiting on it). A repeated
// message is counted, not stacked; the newest message wins; the user closes it.
#pragma once

#include <QFrame>
#include <QString>

class QLabel;
class QToolButton;

namespace bcjr::studio {

class MessageBar : public QFrame {
  Q_OBJECT
 public:
  explicit MessageBar(QWidget* parent = nullptr);
  // Shows an error (the bar stays until closed or replaced).
  void showError(const QString& message);
  QString message() const { return message_; }
  int repeats() const { return repeats_; }

 private:
  QLabel* text_;
  QToolButton* close_;
  QString message_;
  int repeats_ = 0;
};

}  // namespace bcjr::studio
