# Sourced by ./mvnw and ./magicode: points JAVA_HOME at a JDK 25 without the user exporting anything.
# Order: a JAVA_HOME that already is JDK 25, then the usual install folders. Prints one sentence and
# exits 1 when none is found.
magicode_jdk_major() {
  # The major version a JDK home declares in its `release` file, or nothing.
  [ -f "$1/release" ] && [ -x "$1/bin/javac" ] || return 0
  sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release"
}

magicode_select_jdk() {
  if [ -n "${JAVA_HOME-}" ] && [ "$(magicode_jdk_major "$JAVA_HOME")" = 25 ]; then
    return 0
  fi
  # mvnw runs under `set -f`; the search below needs globbing.
  case $- in *f*) magicode_noglob=1; set +f ;; *) magicode_noglob= ;; esac
  for candidate in /usr/lib/jvm/temurin-25* /usr/lib/jvm/*-25-* /usr/lib/jvm/*25* \
    /opt/java/*25* /opt/jdk*25* /usr/local/lib/jvm/*25* "$HOME"/.sdkman/candidates/java/25*; do
    if [ -d "$candidate" ] && [ "$(magicode_jdk_major "$candidate")" = 25 ]; then
      JAVA_HOME="$candidate"
      export JAVA_HOME
      [ -z "$magicode_noglob" ] || set -f
      return 0
    fi
  done
  echo "MagiCode needs a JDK 25: install one (e.g. Temurin 25) under /usr/lib/jvm or set JAVA_HOME to it${JAVA_HOME:+ (JAVA_HOME=$JAVA_HOME is not a JDK 25)}." >&2
  exit 1
}

magicode_select_jdk
