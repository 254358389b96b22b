// Ticks for a logarithmic axis that label 1, 2, 3 and 5 times each decade in view (only 1 and 3
// when that makes too many), so that a range inside one decade, such as temperatures from 0.02
// to 0.3, still reads at a glance.
#pragma once

class QCPAxis;

namespace bcjr::widgets {

// Makes `axis` logarithmic with these ticks.
void set_log_ticks(QCPAxis* axis);

}  // namespace bcjr::widgets
