#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>

#include "engine/core/error.h"
#include "engine/core/npy.h"
#include "engine/core/npy_tensor.h"
#include "tests/support/test_support.h"

using bcjr::test::TempDir;

TEST(Npy, RoundTripKeepsDtypeShapeAndValues) {
  TempDir dir;
  for (auto dtype : {torch::kFloat32, torch::kFloat64, torch::kInt32, torch::kInt64, torch::kUInt8}) {
    auto t = (torch::randn({3, 5, 2}) * 100).to(dtype);
    bcjr::save_npy_tensor(dir.file("a.npy"), t);
    auto back = bcjr::load_npy_tensor(dir.file("a.npy"));
    EXPECT_EQ(back.scalar_type(), dtype);
    EXPECT_EQ(back.sizes(), t.sizes());
    EXPECT_TRUE(torch::equal(back, t));
  }
}

TEST(Npy, ReadsWhatNumpyWritesAndNumpyReadsWhatWeWrite) {
  TempDir dir;
  auto t = torch::randn({4, 7});
  bcjr::save_npy_tensor(dir.file("ours.npy"), t);
  std::string script = "import numpy as np; a = np.load('" + dir.file("ours.npy") +
                       "'); assert a.dtype == np.float32 and a.shape == (4, 7); "
                       "np.save('" + dir.file("theirs.npy") + "', (a * 2).astype(np.float32)); "
                       "np.save('" + dir.file("vec.npy") + "', np.arange(5, dtype=np.int32))";
  auto r = bcjr::test::run_command(bcjr::test::python() + " -c \"" + script + "\"");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto theirs = bcjr::load_npy_tensor(dir.file("theirs.npy"));
  EXPECT_TRUE(torch::equal(theirs, t * 2));
  auto vec = bcjr::load_npy_tensor(dir.file("vec.npy"));
  EXPECT_EQ(vec.sizes(), torch::IntArrayRef({5}));
  EXPECT_EQ(vec[4].item<int32_t>(), 4);
}

TEST(Npy, TruncatedFileGivesErrorNamingTheFile) {
  TempDir dir;
  bcjr::save_npy_tensor(dir.file("a.npy"), torch::randn({100}));
  std::string bytes;
  {
    std::ifstream f(dir.file("a.npy"), std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(f), {});
  }
  {
    std::ofstream f(dir.file("cut.npy"), std::ios::binary);
    f.write(bytes.data(), std::streamsize(bytes.size() - 10));
  }
  try {
    bcjr::read_npy(dir.file("cut.npy"));
    FAIL() << "expected an error";
  } catch (const bcjr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("cut.npy"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("incomplete"), std::string::npos);
  }
  EXPECT_THROW(bcjr::read_npy(dir.file("missing.npy")), bcjr::Error);
}

TEST(Npy, FortranOrderIsRefused) {
  TempDir dir;
  auto r = bcjr::test::run_command(bcjr::test::python() + " -c \"import numpy as np; np.save('" + dir.file("f.npy") +
                                   "', np.asfortranarray(np.ones((3, 4), dtype=np.float32)))\"");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THROW(bcjr::read_npy(dir.file("f.npy")), bcjr::Error);
}
