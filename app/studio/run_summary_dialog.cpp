#include "app/studio/run_summary_dialog.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>
#include <cmath>

#include "engine/quant/run_index.h"

namespace bcjr::studio {

RunSummaryDialog::RunSummaryDialog(const QString& run_dir, QWidget* parent) : QDialog(parent), run_dir_(run_dir) {
  setWindowTitle(tr("Run finished"));
  setObjectName("runSummary");
  auto* layout = new QVBoxLayout(this);
  text_ = new QLabel;
  text_->setTextFormat(Qt::RichText);
  text_->setWordWrap(true);
  text_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(text_);
  const quant::RunSummary r = quant::summarize_run(run_dir.toStdString());
  QString html = tr("<p><b>%1</b><br>%2</p>").arg(QString::fromStdString(r.name).toHtmlEscaped(), run_dir.toHtmlEscaped());
  if (!r.error.empty()) {
    html += tr("<p>%1</p>").arg(QString::fromStdString(r.error).toHtmlEscaped());
  } else {
    html += tr("<p>%1 of layers %2, %3 of %4 steps (%5); schedule %6, lr %7 (%8 units)</p>")
                .arg(QString::fromStdString(r.method), QString::fromStdString(r.layers))
                .arg(r.steps_done)
                .arg(r.steps_total)
                .arg(QString::fromUtf8(quant::run_state_name(r.status.state)), QString::fromStdString(r.schedule))
                .arg(r.config.lr, 0, 'g', 4)
                .arg(QString::fromStdString(r.config.lr_units));
    html += "<table cellspacing='6'>";
    const std::pair<QString, double> rows[] = {{"FP", r.ppl_fp}, {"PTQ", r.ppl_ptq}, {"QAT", r.ppl_qat}};
    for (const auto& [label, v] : rows)
      if (!std::isnan(v)) html += QStringLiteral("<tr><td>%1</td><td align='right'><b>%2</b></td></tr>").arg(label).arg(v, 0, 'f', 4);
    html += "</table>";
    if (!std::isnan(r.ppl_qat) && !std::isnan(r.ppl_ptq))
      html += tr("<p>QAT - PTQ: %1</p>").arg(r.ppl_qat - r.ppl_ptq, 0, 'f', 4);
    if (!r.protocol.empty())
      html += tr("<p><small>Perplexity protocol: %1</small></p>").arg(QString::fromStdString(r.protocol).toHtmlEscaped());
  }
  text_->setText(html);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
  auto* export_button = buttons->addButton(tr("Export…"), QDialogButtonBox::ActionRole);
  export_button->setObjectName("summaryExport");
  export_button->setEnabled(r.error.empty() && r.status.state == quant::RunState::Finished);
  connect(export_button, &QPushButton::clicked, this, [this] { Q_EMIT exportRequested(run_dir_); });
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::close);
  layout->addWidget(buttons);
  setMinimumWidth(520);
}

QString RunSummaryDialog::text() const { return text_->text(); }

}  // namespace bcjr::studio
