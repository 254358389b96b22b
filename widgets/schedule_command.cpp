#include "widgets/schedule_command.h"

#include "widgets/schedule_editor.h"

namespace bcjr::widgets {

ScheduleCommand::ScheduleCommand(ScheduleEditor* editor, ScheduleState before, ScheduleState after,
                                 const QString& text, int merge_key)
    : editor_(editor), before_(std::move(before)), after_(std::move(after)), merge_key_(merge_key) {
  setText(text);
}

void ScheduleCommand::undo() { editor_->applyState(before_); }
void ScheduleCommand::redo() { editor_->applyState(after_); }

bool ScheduleCommand::mergeWith(const QUndoCommand* other) {
  const auto* o = static_cast<const ScheduleCommand*>(other);
  if (o->merge_key_ != merge_key_) return false;
  after_ = o->after_;
  return true;
}

}  // namespace bcjr::widgets
