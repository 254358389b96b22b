# Small functions shared by the CMakeLists of every layer.

# Warnings: clean with -Wall -Wextra. Third-party headers come in as SYSTEM includes. CI builds with
# BCJR_WERROR=ON (scripts/test turns it on when CI is set), so that "warning-free" stays true.
option(BCJR_WERROR "Treat compiler warnings as errors (CI)" OFF)
function(bcjr_warnings target)
  target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra $<$<BOOL:${BCJR_WERROR}>:-Werror>>)
endfunction()

# One precompiled <torch/torch.h>, built once and reused by every target that includes torch:
# without it each such translation unit spends most of its time parsing LibTorch's headers.
function(bcjr_use_torch_pch target)
  if(NOT TARGET bcjr_torch_pch)
    add_library(bcjr_torch_pch OBJECT ${CMAKE_SOURCE_DIR}/cmake/torch_pch.cpp)
    target_link_libraries(bcjr_torch_pch PUBLIC torch)
    target_precompile_headers(bcjr_torch_pch PRIVATE <torch/torch.h>)
    # The same code model everywhere (a library's -fPIC, not an executable's -fPIE): GCC
    # rejects a precompiled header made with other settings.
    target_compile_options(bcjr_torch_pch PRIVATE -fPIC)
  endif()
  target_precompile_headers(${target} REUSE_FROM bcjr_torch_pch)
  target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-fPIC>)
endfunction()

# A GoogleTest executable from every *.cpp in a folder, its tests registered with CTest labels.
#   bcjr_gtest_dir(NAME test_trellis DIR trellis LABELS cpu LIBS bcjr_trellis [TORCH])
function(bcjr_gtest_dir)
  cmake_parse_arguments(A "TORCH" "NAME;DIR;TIMEOUT" "LABELS;LIBS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${A_DIR}/*.cpp)
  if(NOT srcs)
    return()
  endif()
  add_executable(${A_NAME} ${srcs})
  target_link_libraries(${A_NAME} PRIVATE ${A_LIBS} bcjr_testsupport GTest::gmock GTest::gtest_main)
  bcjr_warnings(${A_NAME})
  if(A_TORCH)
    bcjr_use_torch_pch(${A_NAME})
  endif()
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT 600)
  endif()
  gtest_discover_tests(${A_NAME}
    DISCOVERY_TIMEOUT 120
    PROPERTIES LABELS "${A_LABELS}" TIMEOUT ${A_TIMEOUT}
               ENVIRONMENT "BCJR_PYTHON=${BCJR_PYTHON};BCJR_SOURCE_DIR=${CMAKE_SOURCE_DIR};BCJR_BIN_DIR=${CMAKE_BINARY_DIR}/bin")
endfunction()
