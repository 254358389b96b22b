# Shared by scripts/run, scripts/test and .ci/run: install what is missing, fetch the default
# assets, set up the Python used by the cross-check tests, configure and build. Idempotent: a
# second call with nothing changed costs a few seconds.
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

ensure_apt_packages() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
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

configure_and_build() {
  local extra=("$@")
  if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    log "configuring $BUILD_DIR"
    cmake -S "$BCJR_ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DBCJR_PYTHON="${BCJR_PYTHON:-}" "${extra[@]}" >/dev/null
  fi
  log "building (Release, $(nproc) jobs)"
  cmake --build "$BUILD_DIR" --parallel "$(nproc)"
}

setup_all() {
  ensure_apt_packages
  "$BCJR_ROOT/scripts/fetch-assets"
  ensure_python
}
