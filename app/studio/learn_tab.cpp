#include "app/studio/learn_tab.h"

#include <QVBoxLayout>

#include "app/studio/learn_worker.h"
#include "widgets/learn_panel.h"

namespace bcjr::studio {

LearnTab::LearnTab(QWidget* parent) : QWidget(parent), panel_(new widgets::LearnPanel), worker_(new LearnWorker) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(panel_);
  worker_->moveToThread(&thread_);
  connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
  connect(panel_, &widgets::LearnPanel::requestChanged, this, [this](widgets::ChainRequest r) {
    r.generation = worker_->nextGeneration();
    QMetaObject::invokeMethod(worker_, [w = worker_, r] { w->compute(r); }, Qt::QueuedConnection);
  });
  connect(worker_, &LearnWorker::ready, panel_, &widgets::LearnPanel::setSnapshot);
  connect(worker_, &LearnWorker::failed, panel_, &widgets::LearnPanel::showError);
  thread_.start();
}

LearnTab::~LearnTab() {
  worker_->nextGeneration();  // a curve in progress stops at its next check
  thread_.quit();
  thread_.wait();
}

bool LearnTab::hasResult() const { return panel_->hasSnapshot(); }

}  // namespace bcjr::studio
