// A short guided text in pages, with Back and Next: the Learn tab's explanation of the trellis as
// a spin chain. Pages are HTML resources (:/teach/learn/1.html, 2.html, ...); a link "learn:T=0.01"
// or "learn:step=3" asks the tab to show that temperature or step.
#pragma once

#include <QStringList>
#include <QWidget>

class QLabel;
class QPushButton;
class QTextBrowser;

namespace bcjr::widgets {

class GuidedTour : public QWidget {
  Q_OBJECT
 public:
  // Loads prefix + "1.html", "2.html", ... until one is missing.
  explicit GuidedTour(const QString& prefix = ":/teach/learn/", QWidget* parent = nullptr);
  int pageCount() const { return int(pages_.size()); }
  int currentPage() const { return page_; }
  QString pageText(int i) const;
  QTextBrowser* browser() const { return text_; }

 public Q_SLOTS:
  void setPage(int i);
  void next() { setPage(page_ + 1); }
  void back() { setPage(page_ - 1); }

 Q_SIGNALS:
  // A "learn:" link was clicked: its text after the scheme, e.g. "T=0.01".
  void actionRequested(const QString& action);

 private:
  QStringList pages_;
  int page_ = 0;
  QTextBrowser* text_;
  QPushButton *back_, *next_;
  QLabel* counter_;
};

}  // namespace bcjr::widgets
