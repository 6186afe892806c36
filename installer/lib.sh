# Shared by the installer scripts (sourced, not run). Finds a JDK 25 for the appliance jar's own commands.

die() { echo "$(basename "$0"): $*" >&2; exit 1; }

# A java executable of version 25 (MAGICODE_JAVA, JAVA_HOME, /usr/lib/jvm, PATH), or nothing.
find_java25() {
  for candidate in "${MAGICODE_JAVA:-}" "${JAVA_HOME:+$JAVA_HOME/bin/java}" /usr/lib/jvm/*25*/bin/java "$(command -v java || true)"; do
    [ -n "$candidate" ] && [ -x "$candidate" ] || continue
    if "$candidate" -version 2>&1 | head -n 1 | grep -q '"25'; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

# Runs `magicode ARGS…` from the jar JAR with a JDK 25.
run_magicode() {
  local jar=$1
  shift
  local java
  java=$(find_java25) || die "no JDK 25 found (set MAGICODE_JAVA to its java)"
  "$java" --sun-misc-unsafe-memory-access=allow -jar "$jar" "$@"
}

# The directory of an unpacked bundle: DIR itself, or TAR unpacked next to it.
bundle_dir() {
  local path=$1
  if [ -d "$path" ]; then
    echo "$path"
  elif [ -f "$path" ]; then
    local dir="${path%.tar}"
    if [ ! -d "$dir" ]; then
      mkdir -p "$dir"
      # GNU tar refuses absolute names and '..' members; --no-same-owner keeps files the caller's.
      tar -xf "$path" -C "$dir" --no-same-owner || die "cannot unpack $path"
    fi
    echo "$dir"
  else
    die "no bundle at $path"
  fi
}
