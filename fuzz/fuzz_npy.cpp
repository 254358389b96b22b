// .npy (the trellis commands' arrays): read_npy on arbitrary bytes.
#include "engine/core/npy.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bcjr;
  const std::string path = fuzz::write_input("input.npy", data, size);
  fuzz::expect_clean(path, [&] {
    NpyArray a = read_npy(path);
    fuzz::require(int64_t(a.data.size()) == a.numel() * a.itemsize(), "data size does not match the shape");
    fuzz::require(a.data.size() <= size, "more data bytes than the file holds");
  });
  return 0;
}
