#include "app/studio/message_bar.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QStyle>
#include <QToolButton>

namespace bcjr::studio {

MessageBar::MessageBar(QWidget* parent) : QFrame(parent) {
  setObjectName("messageBar");
  setFrameShape(QFrame::StyledPanel);
  // Warm colours that read on light and dark palettes alike.
  setStyleSheet(
      "#messageBar { background: #fbe3d6; border: 1px solid #d9825b; border-radius: 3px; }"
      "#messageBar QLabel { color: #5a1e00; }");
  auto* icon = new QLabel;
  icon->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxWarning).pixmap(18, 18));
  text_ = new QLabel;
  text_->setObjectName("messageText");
  text_->setWordWrap(true);
  text_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  close_ = new QToolButton;
  close_->setObjectName("messageClose");
  close_->setAutoRaise(true);
  close_->setText(QStringLiteral("✕"));
  close_->setToolTip(tr("Close this message"));
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(8, 4, 4, 4);
  layout->addWidget(icon, 0, Qt::AlignTop);
  layout->addWidget(text_, 1);
  layout->addWidget(close_, 0, Qt::AlignTop);
  connect(close_, &QToolButton::clicked, this, [this] {
    hide();
    message_.clear();
    repeats_ = 0;
  });
  hide();
}

void MessageBar::showError(const QString& message) {
  repeats_ = message == message_ && !isHidden() ? repeats_ + 1 : 1;
  message_ = message;
  text_->setText(repeats_ > 1 ? tr("%1 (%2 times)").arg(message).arg(repeats_) : message);
  show();
}

}  // namespace bcjr::studio
