// Process-wide set-up shared by `bcjr`, `bcjr-studio` and the tests: the thread count of
// LibTorch (which starts at 1 in Debian's build) and of the engine's own parallel loops.
#pragma once

namespace bcjr {

// threads <= 0: one per hardware thread. Returns the count in effect.
int set_thread_count(int threads);
int thread_count();

// Whether this build's LibTorch has CUDA and sees at least one device (torch-free for the GUI).
bool cuda_available();

}  // namespace bcjr
