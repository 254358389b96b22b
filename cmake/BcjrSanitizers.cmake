# Sanitizer and fuzzing builds (docs/RELIABILITY.md). Each is its own build folder:
#   -DBCJR_SANITIZE=address,undefined   every target with ASan + UBSan (./scripts/test --sanitize)
#   -DBCJR_SANITIZE=thread              ThreadSanitizer (./scripts/test --tsan: the thread-boundary tests)
#   -DBCJR_FUZZ=ON                      clang: the same sanitizers plus libFuzzer's coverage, and the
#                                       targets of fuzz/ (./scripts/fuzz)
# A sanitizer report stops the program (no recovery), so a test or a fuzz input that triggers one fails.
set(BCJR_SANITIZE "" CACHE STRING "Sanitizers for every target, comma-separated (e.g. address,undefined)")
option(BCJR_FUZZ "Build the libFuzzer targets in fuzz/ (needs clang; implies address,undefined)" OFF)

if(BCJR_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "BCJR_FUZZ needs clang (libFuzzer): configure with -DCMAKE_CXX_COMPILER=clang++")
  endif()
  if(NOT BCJR_SANITIZE)
    set(BCJR_SANITIZE address,undefined)
  endif()
endif()

if(BCJR_SANITIZE)
  # vptr: LibTorch's classes come from a library built without it, and it is what UBSan reports
  # falsely across that boundary; every other undefined-behaviour check stays on.
  set(_bcjr_san -fsanitize=${BCJR_SANITIZE} -fno-sanitize-recover=all -fno-omit-frame-pointer)
  if(BCJR_SANITIZE MATCHES "undefined")
    list(APPEND _bcjr_san -fno-sanitize=vptr)
    # gcc has no predefined macro for UBSan (it has __SANITIZE_ADDRESS__ and __SANITIZE_THREAD__):
    # tests/core/test_sanitizers_live.cpp checks that UBSan reports.
    add_compile_definitions(BCJR_SANITIZE_UNDEFINED=1)
  endif()
  add_compile_options("$<$<COMPILE_LANGUAGE:CXX>:${_bcjr_san}>")
  add_link_options(${_bcjr_san})
  if(BCJR_FUZZ)
    add_compile_options("$<$<COMPILE_LANGUAGE:CXX>:-fsanitize=fuzzer-no-link>")
  endif()
endif()
