// One undoable edit of the schedule editor: the whole state before and after (states are a few
// points per phase). Commands of one drag share a merge key, so a drag is undone in one step.
#pragma once

#include <QUndoCommand>

#include "widgets/schedule_points.h"

namespace bcjr::widgets {

class ScheduleEditor;

class ScheduleCommand : public QUndoCommand {
 public:
  // merge_key >= 0: merges with the command before it if that has the same key.
  ScheduleCommand(ScheduleEditor* editor, ScheduleState before, ScheduleState after, const QString& text,
                  int merge_key = -1);
  void undo() override;
  void redo() override;
  int id() const override { return merge_key_ >= 0 ? 1 : -1; }
  bool mergeWith(const QUndoCommand* other) override;

 private:
  ScheduleEditor* editor_;
  ScheduleState before_, after_;
  int merge_key_;
};

}  // namespace bcjr::widgets
