// The Learn tab: the LearnPanel (widgets/) wired to a LearnWorker in a thread of its own, so that
// the exact sums never run on the GUI thread and a slow curve never delays the other tabs.
#pragma once

#include <QThread>
#include <QWidget>

namespace bcjr::widgets {
class LearnPanel;
}

namespace bcjr::studio {

class LearnWorker;

class LearnTab : public QWidget {
  Q_OBJECT
 public:
  explicit LearnTab(QWidget* parent = nullptr);
  ~LearnTab() override;
  widgets::LearnPanel* panel() const { return panel_; }
  bool hasResult() const;

 private:
  widgets::LearnPanel* panel_;
  LearnWorker* worker_;
  QThread thread_;
};

}  // namespace bcjr::studio
