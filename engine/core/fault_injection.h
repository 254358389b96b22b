// Faults made on purpose, so that tests can show what the program does when they happen for real
// (docs/RELIABILITY.md). BCJR_FAULT="NAME@STEP[,NAME@STEP...]" in the environment makes
// fault_injected(NAME, STEP) true; unset (always, outside such a test) it is false and costs a getenv.
// Names: nan-loss, nan-grad, inf-weight (qat_trainer.cpp).
#pragma once

#include <cstdint>

namespace bcjr {

bool fault_injected(const char* name, int64_t step);

}  // namespace bcjr
