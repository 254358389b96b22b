#include "widgets/guided_tour.h"

#include <QFile>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QTextBrowser>
#include <QUrl>
#include <QVBoxLayout>

namespace bcjr::widgets {

GuidedTour::GuidedTour(const QString& prefix, QWidget* parent)
    : QWidget(parent), text_(new QTextBrowser), back_(new QPushButton(tr("◀ Back"))), next_(new QPushButton(tr("Next ▶"))),
      counter_(new QLabel) {
  for (int i = 1;; ++i) {
    QFile f(prefix + QString::number(i) + ".html");
    if (!f.open(QIODevice::ReadOnly)) break;
    pages_ << QString::fromUtf8(f.readAll());
  }
  if (pages_.isEmpty()) pages_ << tr("<p>The guided text is missing from this build's resources.</p>");
  text_->setOpenLinks(false);
  text_->setObjectName("tourText");
  back_->setObjectName("tourBack");
  next_->setObjectName("tourNext");
  counter_->setAlignment(Qt::AlignCenter);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(back_);
  buttons->addWidget(counter_, 1);
  buttons->addWidget(next_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(text_, 1);
  layout->addLayout(buttons);
  connect(back_, &QPushButton::clicked, this, &GuidedTour::back);
  connect(next_, &QPushButton::clicked, this, &GuidedTour::next);
  connect(text_, &QTextBrowser::anchorClicked, this, [this](const QUrl& url) {
    if (url.scheme() == "learn") Q_EMIT actionRequested(url.path());
  });
  setPage(0);
}

QString GuidedTour::pageText(int i) const { return i >= 0 && i < pages_.size() ? pages_[i] : QString(); }

void GuidedTour::setPage(int i) {
  page_ = std::clamp(i, 0, int(pages_.size()) - 1);
  text_->setHtml(pages_[page_]);
  counter_->setText(tr("%1 / %2").arg(page_ + 1).arg(pages_.size()));
  back_->setEnabled(page_ > 0);
  next_->setEnabled(page_ + 1 < pages_.size());
}

}  // namespace bcjr::widgets
