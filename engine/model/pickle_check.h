// A walk over a pickle's opcodes (the data.pkl of a torch.save archive) before LibTorch's
// unpickler sees it. LibTorch 1.13's unpickler sizes its memo table from the index a PUT opcode
// names, so a pickle of a few hundred bytes asking to memoise at index 2e9 made it allocate 31 GB
// (found by fuzz_snapshot_pt, docs/RELIABILITY.md). In a pickle that Python or LibTorch writes, memo
// indices count up from 0, one per memoised object, so each is below the pickle's length; larger
// ones are refused here, as are opcodes torch.save never writes and arguments that run past the end.
// The unpickler does not check its stack either (a pickle popping an empty stack crashed it), so
// the walk follows the stack's depth and marks and the memo entries defined, as Python's unpickler
// defines them, and refuses any opcode that would take what is not there.
#pragma once

#include <cstddef>
#include <string>

namespace bcjr::model {

// Throws bcjr::Error "<what>: <the problem>" unless every opcode of the pickle is one torch.save
// writes, its argument lies inside the pickle, every memo index is below the pickle's length and
// defined before it is read, and no opcode takes more from the stack than is there.
void check_torch_pickle(const unsigned char* data, size_t size, const std::string& what);

}  // namespace bcjr::model
