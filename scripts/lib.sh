# Shared by the scripts: find a Java 25 JDK and Maven, or say exactly what is missing.
# shellcheck shell=bash

UNIMOE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

java_major() {
  "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1
}

find_java25() {
  local cand
  for cand in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk /usr/lib/jvm/java-25-openjdk-amd64 /usr/lib/jvm/jdk-25* /usr/lib/jvm/*25*; do
    if [ -n "$cand" ] && [ -x "$cand/bin/javac" ] && [ "$(java_major "$cand")" -ge 25 ] 2>/dev/null; then
      export JAVA_HOME="$cand"
      return 0
    fi
  done
  echo "unimoe: needs a Java 25 (or newer) JDK. Set JAVA_HOME to one, or install e.g. Temurin 25 into /usr/lib/jvm." >&2
  [ -n "${JAVA_HOME:-}" ] && echo "unimoe: JAVA_HOME=$JAVA_HOME is Java $(java_major "$JAVA_HOME" || echo '?'), not 25+." >&2
  return 1
}

find_maven() {
  if ! command -v mvn >/dev/null 2>&1; then
    echo "unimoe: needs Apache Maven 3.8+ ('mvn' on PATH), e.g. 'apt-get install maven'." >&2
    return 1
  fi
}

# JVM flags for the engine: the Vector API is an incubator module; FFM needs native access for mmap.
UNIMOE_JVM_FLAGS=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC)
