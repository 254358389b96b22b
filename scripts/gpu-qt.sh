# Debian 12's Qt 6 and QCustomPlot on a machine that has no Qt (the lent GPU machine: Ubuntu 24.04,
# no package registry). Sourced by scripts/gpu-test and scripts/gpu-studio; the archive comes from
# scripts/prepare-gpu-carry (.gpu-deps/qt.tar.xz: runtime, development files, moc/rcc/uic, the
# libraries they need, the OpenGL loaders Qt links, the DejaVu fonts and fontconfig's rules).
#
#   qt_deps_unpack ARCHIVE DIR   unpacks ARCHIVE into DIR (again only when ARCHIVE changed), then
#                                writes DIR/fonts.conf and fills DIR/ld-path (below)
#   qt_deps_env DIR              exports what the build (moc, rcc, uic) and the programs need:
#                                LD_LIBRARY_PATH=DIR/ld-path, QT_PLUGIN_PATH, FONTCONFIG_FILE; CMake
#                                finds Qt with DIR/usr in CMAKE_PREFIX_PATH
#
# DIR/ld-path links Qt's and QCustomPlot's libraries, and each other library of the archive (Debian
# puts some in /lib, some in /usr/lib) only where
# this machine has none of that name (soname): the machine's own, newer copies are used where they
# exist (Ubuntu 24.04's glib, zlib, ... are ABI-compatible with Debian 12's), so that no program of
# the machine (cmake, the compilers) is handed an older library than the one it was built with.

qt_deps_unpack() {  # ARCHIVE DIR
  local archive="$1" dir="$2" stamp
  [ -f "$archive" ] || { echo "gpu-qt: $archive not found (run ./scripts/prepare-gpu-carry and carry .gpu-deps)" >&2; return 1; }
  stamp="$(stat -c '%s %Y' "$archive")"
  if [ "$(cat "$dir/.archive" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$dir" && mkdir -p "$dir"
    tar -C "$dir" -xJf "$archive" || { echo "gpu-qt: could not unpack $archive into $dir" >&2; return 1; }
    echo "$stamp" > "$dir/.archive"
  fi
  qt_deps_link_missing "$dir"
  qt_deps_fontconfig "$dir"
}

qt_deps_link_missing() {  # DIR
  local dir="$1" have f name
  have="$("$(command -v ldconfig || echo /sbin/ldconfig)" -p 2>/dev/null | awk 'NR > 1 {print $1}' | sort -u)"
  rm -rf "$dir/ld-path" && mkdir -p "$dir/ld-path"
  for f in "$dir"/usr/lib/x86_64-linux-gnu/lib*.so.* "$dir"/lib/x86_64-linux-gnu/lib*.so.*; do
    [ -e "$f" ] || continue
    name="$(basename "$f")"
    # Sonames only: Debian ships each as a link (libfoo.so.1 -> libfoo.so.1.2.3) or as the file.
    [ -L "$f" ] || [[ "$name" =~ \.so\.[0-9]+$ ]] || continue
    case "$name" in
      libQt6*|libQCustomPlot*) ;;
      *) grep -qxF "$name" <<< "$have" && continue ;;
    esac
    ln -s "$f" "$dir/ld-path/$name"
  done
}

# fontconfig's rules from the archive (its conf.d links point at /usr/share, which is not there),
# with the archive's fonts and a cache inside DIR.
qt_deps_fontconfig() {  # DIR
  local dir="$1" link target
  mkdir -p "$dir/var/cache/fontconfig"
  {
    echo '<?xml version="1.0"?>'
    echo '<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">'
    echo '<fontconfig>'
    echo "  <dir>$dir/usr/share/fonts</dir>"
    echo "  <cachedir>$dir/var/cache/fontconfig</cachedir>"
    for link in "$dir"/etc/fonts/conf.d/*.conf; do
      target="$(readlink "$link" || echo "$link")"
      case "$target" in
        /*) target="$dir$target" ;;
        *) target="$dir/etc/fonts/conf.d/$target" ;;
      esac
      [ -f "$target" ] && echo "  <include ignore_missing=\"yes\">$target</include>"
    done
    echo '</fontconfig>'
  } > "$dir/fonts.conf"
}

qt_deps_env() {  # DIR
  local dir="$1"
  export LD_LIBRARY_PATH="$dir/ld-path${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export QT_PLUGIN_PATH="$dir/usr/lib/x86_64-linux-gnu/qt6/plugins"
  export FONTCONFIG_FILE="$dir/fonts.conf"
}
