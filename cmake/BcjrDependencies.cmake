# Finds what the build needs, all from Debian's packages (or the GPU machine's LibTorch).
# Sets BCJR_HAVE_GUI, BCJR_HAVE_CUDA (kernels compiled) and BCJR_TORCH_CUDA (LibTorch can run them).

find_package(Threads REQUIRED)

# CUDA architectures: one setting, CMAKE_CUDA_ARCHITECTURES (default 80 and 90; "native" for the
# GPUs of this machine). A LibTorch with CUDA ignores it: its CMake config adds -gencode flags for
# TORCH_CUDA_ARCH_LIST to every CUDA target (eleven architectures when it sees no GPU), so that
# list is derived from it unless given.
if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
  set(CMAKE_CUDA_ARCHITECTURES 80 90)
endif()
if(NOT DEFINED TORCH_CUDA_ARCH_LIST AND NOT DEFINED ENV{TORCH_CUDA_ARCH_LIST}
   AND CMAKE_CUDA_ARCHITECTURES MATCHES "^[0-9]+[0-9;]*$")
  set(TORCH_CUDA_ARCH_LIST "")
  foreach(arch ${CMAKE_CUDA_ARCHITECTURES})
    string(REGEX REPLACE "^([0-9]+)([0-9])$" "\\1.\\2" arch "${arch}")
    list(APPEND TORCH_CUDA_ARCH_LIST "${arch}")
  endforeach()
endif()

find_package(Torch REQUIRED)
# TorchConfig finds its libraries with the system's directories first: with Debian's LibTorch
# installed too, a CMAKE_PREFIX_PATH pointing at another LibTorch's share/cmake would mix the two.
string(FIND "${TORCH_LIBRARY}" "${TORCH_INSTALL_PREFIX}/" torch_lib_at)
if(NOT torch_lib_at EQUAL 0)
  message(FATAL_ERROR "LibTorch ${Torch_VERSION} at ${TORCH_INSTALL_PREFIX}, but its library was found at "
                      "${TORCH_LIBRARY}: put the LibTorch folder itself (the one with lib/ and share/) "
                      "first in CMAKE_PREFIX_PATH")
endif()
find_package(nlohmann_json 3 REQUIRED)
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
find_package(PkgConfig REQUIRED)
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)

# LibTorch's own flags (the C++ ABI) must reach every target that includes its headers.
# TORCH_CUDA_LIBRARIES is set only by a LibTorch built with CUDA.
set(BCJR_TORCH_CUDA OFF)
if(TORCH_CUDA_LIBRARIES OR TARGET torch_cuda)
  set(BCJR_TORCH_CUDA ON)
endif()

# CUDA: compile the kernels wherever nvcc is, so that CI catches kernel compile errors,
# even against a CPU-only LibTorch; they run only where LibTorch has CUDA.
set(BCJR_HAVE_CUDA OFF)
if(NOT BCJR_CUDA STREQUAL "OFF")
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    enable_language(CUDA)
    find_package(CUDAToolkit REQUIRED)
    set(BCJR_HAVE_CUDA ON)
  elseif(BCJR_CUDA STREQUAL "ON")
    message(FATAL_ERROR "BCJR_CUDA=ON but no CUDA compiler (nvcc) was found")
  endif()
endif()

set(BCJR_HAVE_GUI OFF)
if(NOT BCJR_GUI STREQUAL "OFF")
  find_package(Qt6 COMPONENTS Widgets PrintSupport Svg Concurrent Test QUIET)
  if(Qt6_FOUND)
    # QCustomPlot's config needs Qt6 PrintSupport found first.
    find_package(QCustomPlotQt6 QUIET)
  endif()
  if(Qt6_FOUND AND QCustomPlotQt6_FOUND)
    set(BCJR_HAVE_GUI ON)
  elseif(BCJR_GUI STREQUAL "ON")
    message(FATAL_ERROR "BCJR_GUI=ON but Qt 6 (Widgets, PrintSupport, Svg, Concurrent, Test) or QCustomPlotQt6 was not found")
  else()
    message(STATUS "Qt 6 or QCustomPlot not found: building without the GUI")
  endif()
endif()
