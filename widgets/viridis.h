// The colour gradient of the heat maps: viridis, perceptually uniform and readable in light and
// dark themes (QCustomPlot 2.1's own gradients lack it).
#pragma once

class QCPColorGradient;

namespace bcjr::widgets {

QCPColorGradient viridis();

}  // namespace bcjr::widgets
