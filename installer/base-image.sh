#!/usr/bin/env bash
# Builds the appliance's base image offline-friendly: a Debian minbase root file system (debootstrap)
# plus a JDK 25 runtime jlink-ed down to the modules the server jar needs, written as a docker-archive
# tar that Jib reads with `tar://` (no Docker daemon, no registry).
#
#   installer/base-image.sh build JAR OUT.tar WORKDIR   the whole base image
#   installer/base-image.sh rootfs WORKDIR              only the Debian rootfs (CI starts it early, in the
#                                                       background, while the tests run)
#
# JAR     the shaded server jar (its modules are found with jdeps)
# OUT     the docker-archive to write (image name magicode-base:bookworm)
# WORKDIR scratch space; the rootfs is kept there and reused by the next build
#
# Environment: MAGICODE_DEBIAN_MIRROR (default: the first deb.debian.org-style URI apt uses here, else
# http://deb.debian.org/debian), MAGICODE_JDK (default /usr/lib/jvm/temurin-25-jdk-amd64).
# Needs root (debootstrap), debootstrap, tar, sha256sum. Fails loudly on any error.
set -euo pipefail

usage="usage: base-image.sh build JAR OUT.tar WORKDIR | base-image.sh rootfs WORKDIR"
case "${1:-}" in
  build) jar=${2:?$usage}; out=${3:?$usage}; work=${4:?$usage} ;;
  rootfs) jar=""; out=""; work=${2:?$usage} ;;
  *) echo "$usage" >&2; exit 2 ;;
esac
jdk=${MAGICODE_JDK:-/usr/lib/jvm/temurin-25-jdk-amd64}
suite=bookworm

mirror=${MAGICODE_DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
  mirror=$(grep -h '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -n 1 || true)
  mirror=${mirror:-http://deb.debian.org/debian}
fi

[ -z "$out" ] || [ -f "$jar" ] || { echo "base-image: no jar at $jar" >&2; exit 1; }
[ -x "$jdk/bin/jlink" ] || { echo "base-image: no JDK 25 with jlink at $jdk" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "base-image: debootstrap is not installed (apt-get install debootstrap)" >&2; exit 1; }

mkdir -p "$work"
rootfs="$work/rootfs"

# 1. Debian minbase. Reused when a previous run finished (the marker is written last).
if [ ! -f "$work/rootfs.done" ]; then
  rm -rf "$rootfs"
  echo "base-image: debootstrap --variant=minbase $suite from $mirror" >&2
  debootstrap --variant=minbase --include=ca-certificates "$suite" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 30 "$work/debootstrap.log" >&2; echo "base-image: debootstrap failed" >&2; exit 1; }
  # Nothing in the image installs packages later: drop apt's lists and caches, docs (but each package's copyright
  # file, which its licence asks to ship with it), man pages, locales.
  rm -rf "$rootfs"/var/cache/apt/* "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/var/log/* "$rootfs"/var/cache/debconf/*-old
  find "$rootfs"/usr/share/doc -mindepth 1 ! -type d ! -name copyright -delete
  find "$rootfs"/usr/share/doc -mindepth 1 -type d -empty -delete
  find "$rootfs"/usr/share/locale -mindepth 1 -maxdepth 1 ! -name 'locale.alias' -exec rm -rf {} +
  touch "$work/rootfs.done"
fi
# glibc's iconv charset modules (8 MB): the JVM brings its own charsets and nothing else in the image converts
# text. The image test's localize run (ONNX runtime, tokenizer) shows nothing needs them.
find "$rootfs"/usr/lib/x86_64-linux-gnu/gconv -name '*.so' -delete 2>/dev/null || true
# Nothing installs packages in the image: apt (and its library) and perl-base (essential only to run maintainer
# scripts) go, 14 MB. Purged with dpkg rather than deleted, so that its status database — what image scanners read
# to list the OS packages — says exactly what is there. A second run finds them gone and does nothing.
chroot "$rootfs" dpkg --purge --force-remove-essential --force-depends apt libapt-pkg6.0 perl-base \
  >"$work/purge.log" 2>&1 || { tail -n 20 "$work/purge.log" >&2; echo "base-image: dpkg --purge failed" >&2; exit 1; }
if [ -z "$out" ]; then
  echo "base-image: rootfs ready in $rootfs" >&2
  exit 0
fi

# 2. The JDK runtime: the modules jdeps finds, plus those reached only by reflection, service loading or
#    native code (Helidon's metrics read JMX; Eclipse Store and Netty-style code use sun.misc.Unsafe;
#    TLS needs the EC and PKCS#11-free crypto providers; DNS for JNDI-free host lookups; zipfs for the
#    embedding model inside the jar). Checked by running the server and `localize` in the image.
modules=$("$jdk/bin/jdeps" --multi-release 25 --ignore-missing-deps --print-module-deps -q "$jar")
modules="$modules,jdk.unsupported,jdk.crypto.ec,jdk.zipfs,jdk.management,java.management,jdk.naming.dns,jdk.localedata,java.net.http,jdk.net,jdk.jfr,jdk.management.jfr"
echo "base-image: jlink modules $modules" >&2
rm -rf "$rootfs/opt/java"
"$jdk/bin/jlink" --add-modules "$modules" --include-locales=en --strip-debug --no-man-pages \
  --no-header-files --compress=zip-6 --output "$rootfs/opt/java"

# 3. The runtime user: uid 10001, group 0 (OpenShift runs images with an arbitrary uid in group 0).
grep -q '^magicode:' "$rootfs/etc/passwd" \
  || echo 'magicode:x:10001:0:MagiCode Appliance:/var/lib/magicode:/usr/sbin/nologin' >>"$rootfs/etc/passwd"
mkdir -p "$rootfs/var/lib/magicode" "$rootfs/app"
chown 10001:0 "$rootfs/var/lib/magicode"
chmod 0770 "$rootfs/var/lib/magicode"
chmod 1777 "$rootfs/tmp"

# 4. The docker-archive: one layer, a config and a manifest (what `docker save` writes).
stage="$work/archive"
rm -rf "$stage"
mkdir -p "$stage"
tar --sort=name --mtime='2026-01-01 00:00Z' --numeric-owner --xattrs -C "$rootfs" \
  --exclude=./proc/* --exclude=./sys/* --exclude=./dev/* -cf "$stage/layer.tar" .
diff_id=$(sha256sum "$stage/layer.tar" | cut -d' ' -f1)
mkdir "$stage/$diff_id"
mv "$stage/layer.tar" "$stage/$diff_id/layer.tar"
cat >"$stage/config.json" <<EOF
{"architecture":"amd64","os":"linux","created":"2026-01-01T00:00:00Z",
 "config":{"User":"10001:0","WorkingDir":"/app",
  "Env":["PATH=/opt/java/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","JAVA_HOME=/opt/java","LANG=C.UTF-8"]},
 "rootfs":{"type":"layers","diff_ids":["sha256:$diff_id"]},
 "history":[{"created":"2026-01-01T00:00:00Z","created_by":"installer/base-image.sh: debian $suite minbase + jlink JDK 25"}]}
EOF
config_id=$(sha256sum "$stage/config.json" | cut -d' ' -f1)
mv "$stage/config.json" "$stage/$config_id.json"
printf '[{"Config":"%s.json","RepoTags":["magicode-base:%s"],"Layers":["%s/layer.tar"]}]\n' \
  "$config_id" "$suite" "$diff_id" >"$stage/manifest.json"
mkdir -p "$(dirname "$out")"
# Members named without "./" (Jib refuses archive entries that could point outside its destination).
tar --sort=name --mtime='2026-01-01 00:00Z' --owner=0 --group=0 --numeric-owner -C "$stage" -cf "$out" \
  manifest.json "$config_id.json" "$diff_id/layer.tar"
rm -rf "$stage"
echo "base-image: wrote $out ($(du -m "$out" | cut -f1) MB, layer sha256:$diff_id)" >&2
