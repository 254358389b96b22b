// check_torch_pickle: the pickles torch.save writes pass; a memo index beyond what the pickle's
// length allows, an argument past the end, an opcode torch.save never writes, a missing STOP, a
// stack that would underflow and a memo entry read before it is stored are refused, the pickle named.
#include <gtest/gtest.h>

#include <string>

#include "engine/core/error.h"
#include "engine/model/pickle_check.h"

using bcjr::model::check_torch_pickle;

namespace {
// A string literal's bytes, embedded zeros included.
#define PICKLE(literal) std::string(literal, sizeof(literal) - 1)

std::string refusal(const std::string& pickle) {
  try {
    check_torch_pickle(reinterpret_cast<const unsigned char*>(pickle.data()), pickle.size(), "p.pt (data.pkl)");
  } catch (const bcjr::Error& e) {
    const std::string m = e.what();
    EXPECT_EQ(m.rfind("p.pt (data.pkl): ", 0), 0u) << m;
    return m;
  }
  return "";
}
}  // namespace

TEST(PickleCheck, TorchSavesOpcodesPassAndHostileOnesAreRefused) {
  // What torch.save writes for {"w": <tensor>}, protocol 2 (PROTO, EMPTY_DICT, BINPUT, MARK,
  // BINUNICODE, GLOBAL, BINPERSID, BININT*, TUPLE*, NEWFALSE, REDUCE, SETITEMS, LONG_BINPUT, STOP).
  const std::string good =
      PICKLE("\x80\x02}q\x00(X\x01\x00\x00\x00wq\x01" "ctorch._utils\n_rebuild_tensor_v2\nq\x02(") +
      PICKLE("(X\x07\x00\x00\x00storageq\x03" "ctorch\nFloatStorage\nq\x04X\x01\x00\x00\x00" "0q\x05X\x03\x00\x00\x00"
             "cpuq\x06K\x04tq\x07QK\x00K\x02K\x02\x86q\x08K\x02K\x01\x86q\t\x89h\x02)Rr\x0a\x00\x00\x00tq\x0bRq\x0cu.");
  ASSERT_EQ(good.size(), 145u);
  EXPECT_EQ(refusal(good), "");
  // A memo index of 2e9 in a pickle of a few bytes (what made LibTorch allocate 31 GB).
  EXPECT_NE(refusal(PICKLE("\x80\x02}r\x6b\x2f\x10\x74.")).find("names memo entry 1947217771"), std::string::npos);
  EXPECT_NE(refusal(PICKLE("\x80\x02}q\x40.")).find("names memo entry 64"), std::string::npos);
  // A string longer than what is left.
  EXPECT_NE(refusal(PICKLE("\x80\x02X\xff\xff\x00\x00" "abc.")).find("runs past the end"), std::string::npos);
  EXPECT_NE(refusal(PICKLE("\x80")).find("runs past the end"), std::string::npos);
  // An opcode outside torch.save's protocol, and no STOP.
  EXPECT_NE(refusal(PICKLE("\x80\x02\xff.")).find("opcode 0xff at byte 2 is not one torch.save writes"),
            std::string::npos);
  EXPECT_NE(refusal(PICKLE("\x80\x02}")).find("no STOP opcode"), std::string::npos);
  // The stack as LibTorch 1.13's unpickler would leave it unchecked (fuzz_snapshot_pt: a SEGV at
  // address -8 in Unpickler::readInstruction): an opcode taking more items than there are above
  // the last mark, one working up to a mark that was never set, a memo entry read before it is stored.
  EXPECT_NE(refusal(PICKLE("\x80\x02\x85.")).find("0x85 at byte 2 needs 1 item(s) on the stack above its mark, there are 0"),
            std::string::npos);
  EXPECT_NE(refusal(PICKLE("\x80\x02NN(N\x86.")).find("needs 2 item(s) on the stack above its mark, there are 1"),
            std::string::npos);
  EXPECT_NE(refusal(PICKLE("\x80\x02Nt.")).find("has no mark to work up to"), std::string::npos);
  EXPECT_NE(refusal(PICKLE("\x80\x02h\x05.")).find("reads memo entry 5, which was never stored"), std::string::npos);
  EXPECT_NE(refusal(PICKLE("\x80\x02.")).find("needs 1 item(s)"), std::string::npos);
  EXPECT_NE(refusal(PICKLE("\x80\x02" "cmodule")).find("no end of line"), std::string::npos);
}
