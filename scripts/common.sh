# Shared by scripts/run, scripts/test and .ci/run: install what is missing, fetch the default
# assets, set up the Python used by the cross-check tests, configure and build. Idempotent: a
# second call with nothing changed costs a few seconds. On a machine with an NVIDIA GPU (or with
# --gpu) the same steps build the GPU configuration instead: see "The GPU configuration" below.
set -euo pipefail

BCJR_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export BCJR_HOME="${BCJR_HOME:-$HOME/.cache/bcjr-studio}"
BUILD_DIR="${BUILD_DIR:-$BCJR_ROOT/build}"
# LibTorch's OpenMP threads spin between operations by default; on a small or shared machine that
# starves the engine's own threads (measured: 17 vs 113 tokens/s at 2 threads). libgomp reads this
# when it loads, so it must be in the environment before the programs start.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"

APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config python3 python3-venv
  qt6-base-dev qt6-svg-dev libqcustomplot-dev libtorch-dev libopenblas0-pthread
  libgtest-dev libgmock-dev nlohmann-json3-dev libpcre2-dev libssl-dev
  xvfb xauth imagemagick
)
# Versions of the ecosystem's own tools that the cross-check tests compare against.
PY_PACKAGES=(numpy==2.4.6 gguf==0.19.0 safetensors==0.8.0 tokenizers==0.23.3)

log() { printf '\033[1m[bcjr]\033[0m %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_apt_packages() {  # [PACKAGE...]: default APT_PACKAGES
  local wanted=("$@") missing=()
  [ ${#wanted[@]} -gt 0 ] || wanted=("${APT_PACKAGES[@]}")
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  # Debian's reference BLAS is ~20x slower than OpenBLAS for LibTorch's matrix products.
  local blas
  blas="$(update-alternatives --query libblas.so.3-x86_64-linux-gnu 2>/dev/null | awk '/^Value:/{print $2}')"
  if [ -n "$blas" ] && [[ "$blas" != *openblas* ]]; then
    local ob
    ob="$(update-alternatives --list libblas.so.3-x86_64-linux-gnu | grep openblas-pthread | head -n1 || true)"
    [ -n "$ob" ] && as_root update-alternatives --set libblas.so.3-x86_64-linux-gnu "$ob" >/dev/null
  fi
}

ensure_python() {
  local venv="$BCJR_HOME/venv"
  local stamp="$venv/.bcjr-packages"
  if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "${PY_PACKAGES[*]}" ]; then
    log "setting up the Python used by the cross-check tests in $venv"
    mkdir -p "$BCJR_HOME"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check "${PY_PACKAGES[@]}"
    echo "${PY_PACKAGES[*]}" > "$stamp"
  fi
  BCJR_PYTHON="$venv/bin/python"
}

configure_and_build() {  # [CMAKE_ARG...]; BUILD_DIR says where
  local extra=("$@")
  if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    log "configuring $BUILD_DIR"
    cmake -S "$BCJR_ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DBCJR_PYTHON="${BCJR_PYTHON:-}" "${extra[@]}" >/dev/null
  fi
  log "building $BUILD_DIR (Release, $(nproc) jobs)"
  cmake --build "$BUILD_DIR" --parallel "$(nproc)"
}

setup_all() {  # Debian's packages (without its CPU LibTorch for the GPU configuration), assets, Python
  if [ "${BCJR_DEVICE:-cpu}" = gpu ]; then ensure_apt_packages "${APT_PACKAGES_GPU[@]}"; else ensure_apt_packages; fi
  "$BCJR_ROOT/scripts/fetch-assets"
  ensure_python
}

# --- The GPU configuration -------------------------------------------------------------------
# Qt 6 + QCustomPlot from Debian as above, but LibTorch with CUDA: PyPI's torch 2.11.0 for Linux
# x86-64 is built against CUDA 13.0 (it requires cuda-toolkit==13.0.2), and the CUDA compiler and
# headers are the wheels that cuda-toolkit 13.0.2 names, so nvcc matches that LibTorch exactly.
# All go into the project's Python environment ($BCJR_HOME/venv); nothing is fetched at run time.
TORCH_CUDA_PACKAGES=(torch==2.11.0)
CUDA_COMPILER_PACKAGES=(nvidia-cuda-nvcc==13.0.88 nvidia-cuda-runtime==13.0.96 nvidia-cuda-cccl==13.0.85
                        nvidia-cuda-crt==13.0.88 nvidia-nvvm==13.0.88)
# Debian's CPU LibTorch (and the BLAS it uses) is not needed there.
APT_PACKAGES_GPU=()
for p in "${APT_PACKAGES[@]}"; do
  case "$p" in libtorch-dev|libopenblas0-pthread) ;; *) APT_PACKAGES_GPU+=("$p") ;; esac
done
CUDA_BUILD_DIR="${CUDA_BUILD_DIR:-$BCJR_ROOT/build-cuda}"

# The options scripts/run and scripts/test share. Sets BCJR_DEVICE (gpu or cpu: --gpu, --cpu, else
# whether nvidia-smi sees a GPU), LIBTORCH_PREFIX (--libtorch DIR, else CMAKE_PREFIX_PATH from the
# environment: an existing LibTorch with CUDA, which is then used instead of PyPI's) and REST_ARGS.
parse_device_options() {
  BCJR_DEVICE="${BCJR_DEVICE:-auto}"
  LIBTORCH_PREFIX="${CMAKE_PREFIX_PATH:-}"
  LIBTORCH_PREFIX="${LIBTORCH_PREFIX//:/;}"  # the environment's list, as CMake's
  REST_ARGS=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --gpu) BCJR_DEVICE=gpu; shift ;;
      --cpu) BCJR_DEVICE=cpu; shift ;;
      --libtorch) [ $# -ge 2 ] && [ -d "$2" ] || { log "--libtorch needs a LibTorch directory"; exit 2; }
                  LIBTORCH_PREFIX="$2"; shift 2 ;;
      *) REST_ARGS+=("$1"); shift ;;
    esac
  done
  if [ "$BCJR_DEVICE" = auto ]; then
    if have_nvidia_gpu; then BCJR_DEVICE=gpu; else BCJR_DEVICE=cpu; fi
  fi
}

have_nvidia_gpu() { command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L 2>/dev/null | grep -q '^GPU '; }

# Installs the pinned CUDA PyTorch and CUDA compiler into $BCJR_HOME/venv (once; a stamp file
# records what is there) and sets TORCH_PREFIX, CUDA_ROOT and NVCC. With LIBTORCH_PREFIX set, that
# LibTorch is used, and the CUDA compiler is the machine's nvcc where it has one.
ensure_cuda_toolchain() {
  ensure_python || return 1
  local venv="$BCJR_HOME/venv" stamp="$BCJR_HOME/venv/.bcjr-cuda-packages" want=()
  [ -n "$LIBTORCH_PREFIX" ] || want+=("${TORCH_CUDA_PACKAGES[@]}")
  local system_nvcc="${CUDACXX:-$(command -v nvcc || true)}"
  [ -n "$LIBTORCH_PREFIX" ] && [ -n "$system_nvcc" ] || want+=("${CUDA_COMPILER_PACKAGES[@]}")
  if [ ${#want[@]} -gt 0 ] && [ "$(cat "$stamp" 2>/dev/null)" != "${want[*]}" ]; then
    log "installing into $venv from PyPI: ${want[*]} (about 3 GB to download the first time)"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-cache-dir "${want[@]}" ||
      { log "pip could not install ${want[*]}"; return 1; }
    echo "${want[*]}" > "$stamp"
  fi
  local site
  site="$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  TORCH_PREFIX="${LIBTORCH_PREFIX:-$site/torch}"
  if [[ " ${want[*]} " == *" nvidia-cuda-nvcc=="* ]]; then
    CUDA_ROOT="$site/nvidia/cu13"
    NVCC="$CUDA_ROOT/bin/nvcc"
    # The wheels lay the toolkit out almost as a toolkit is: nvcc links from lib64/ (nvcc.profile)
    # where they have lib/, and they hold only the versioned libraries (libcudart.so.13) where
    # CMake's CUDA search (and LibTorch's, through it) looks for the development names.
    [ -e "$CUDA_ROOT/lib64" ] || ln -s lib "$CUDA_ROOT/lib64"
    local f
    for f in "$CUDA_ROOT"/lib/lib*.so.[0-9]*; do
      [ -e "${f%%.so.*}.so" ] || ln -s "$(basename "$f")" "${f%%.so.*}.so"
    done
  else
    NVCC="$(readlink -f "$system_nvcc")"
    CUDA_ROOT="$(dirname "$(dirname "$NVCC")")"
  fi
}

# Configures (once) and builds DIR with the GUI, the CUDA kernels and the CUDA LibTorch.
configure_and_build_cuda() {  # DIR [CMAKE_ARG...]
  local dir="$1"; shift
  BUILD_DIR="$dir" configure_and_build -DBCJR_GUI=ON -DBCJR_CUDA=ON -DCMAKE_PREFIX_PATH="$TORCH_PREFIX" \
    -DCMAKE_CUDA_COMPILER="$NVCC" -DCUDAToolkit_ROOT="$CUDA_ROOT" -DCUDA_TOOLKIT_ROOT_DIR="$CUDA_ROOT" "$@"
}

# CI's check of the GPU configuration on a machine without a GPU: the same PyPI install, then
# compile and link everything (tests and benchmarks too) without running anything. Test discovery
# is left to ctest (PRE_TEST), because it would start the test programs at build time.
compile_cuda_configuration() {
  local dir="$BCJR_ROOT/build-cuda-check" t0=$SECONDS
  # Called as `compile_cuda_configuration || ...`, where `set -e` does not act: each step checked.
  ensure_cuda_toolchain || return 1
  log "compiling and linking the GPU configuration in $dir (not run: no GPU needed)"
  configure_and_build_cuda "$dir" -DCMAKE_GTEST_DISCOVER_TESTS_DISCOVERY_MODE=PRE_TEST || return 1
  local p
  for p in bcjr bcjr-studio test_gpu; do
    [ -x "$dir/bin/$p" ] || { log "GPU configuration: $dir/bin/$p was not built (no Qt or no CUDA LibTorch?)"; return 1; }
  done
  log "GPU configuration compiled and linked in $(( SECONDS - t0 )) s"
}
