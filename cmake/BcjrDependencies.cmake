# Finds what the build needs, all from Debian's packages (or the GPU machine's LibTorch).
# Sets BCJR_HAVE_GUI, BCJR_HAVE_CUDA (kernels compiled) and BCJR_TORCH_CUDA (LibTorch can run them).

find_package(Threads REQUIRED)
find_package(Torch REQUIRED)
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
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES 80 90)
    endif()
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
