#!/usr/bin/env bash
# Runs the appliance image under Debian's podman the way a cluster would (non-root, read-only root
# filesystem, writable data and tmp volumes only) and checks it: readiness within a deadline, health,
# the OpenAPI document, the console page, and `magicode localize` (the embedding model and its native
# runtime) inside the image. Prints the image size. Exits non-zero on any failure.
#
#   installer/image-test.sh IMAGE.tar
#
# podman runs with runc and raised ulimits: crun and the default ulimits fail in this sandbox.
set -euo pipefail

tar=${1:?usage: image-test.sh IMAGE.tar}
port=${MAGICODE_IMAGE_TEST_PORT:-18080}
podman=(podman --runtime runc)
limits=(--ulimit nofile=20000:20000 --ulimit nproc=32768:32768)
work=$(mktemp -d)
name="magicode-image-test-$$"

fail() { echo "image-test: FAIL: $*" >&2; exit 1; }
cleanup() {
  "${podman[@]}" logs "$name" >"$work/container.log" 2>&1 || true
  "${podman[@]}" rm -f "$name" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

image=$("${podman[@]}" load -q -i "$tar" | sed -n 's/^Loaded image[^:]*: //p' | head -n 1)
[ -n "$image" ] || fail "podman load found no image in $tar"
size=$("${podman[@]}" image inspect --format '{{.Size}}' "$image")
echo "image-test: $image, $((size / 1000000)) MB uncompressed, $(($(stat -c %s "$tar") / 1000000)) MB as a tar of compressed layers"

user=$("${podman[@]}" image inspect --format '{{.Config.User}}' "$image")
[ "${user%%:*}" != "0" ] && [ -n "$user" ] || fail "image runs as root (User=$user)"

mkdir -p "$work/data" "$work/repo"
chown 10001:0 "$work/data"
chmod 0770 "$work/data"
started=$SECONDS
"${podman[@]}" run -d --name "$name" --read-only "${limits[@]}" \
  -v "$work/data:/var/lib/magicode" --tmpfs /tmp:rw,size=512m,mode=1777 \
  -p "127.0.0.1:$port:8080" "$image" >/dev/null

deadline=$((SECONDS + 120))
until curl -fsS "http://127.0.0.1:$port/observe/health/ready" >"$work/ready.json" 2>/dev/null; do
  if [ "$("${podman[@]}" inspect --format '{{.State.Running}}' "$name")" != "true" ]; then
    "${podman[@]}" logs "$name" 2>&1 | tail -n 40 >&2
    fail "the container exited before it was ready"
  fi
  [ $SECONDS -lt $deadline ] || { "${podman[@]}" logs "$name" 2>&1 | tail -n 40 >&2; fail "not ready within 120 s"; }
  sleep 1
done
echo "image-test: ready $((SECONDS - started)) s after podman run: $(cat "$work/ready.json")"
grep -q '"status":"UP"' "$work/ready.json" || fail "readiness is not UP"

# Each answer goes to a file first: grep -q stops reading at its match, and with pipefail the writer's SIGPIPE on a
# large answer (metrics, OpenAPI) would fail the check.
fetch() { curl -fsS -o "$work/answer" "http://127.0.0.1:$port$1" && grep -q "$2" "$work/answer"; }
fetch /observe/health '"status":"UP"' || fail "health is not UP"
fetch /openapi '^openapi: 3' || fail "/openapi is not an OpenAPI document"
fetch /observe/metrics "^# TYPE" || fail "/observe/metrics is not Prometheus text"

# The console page at /.
code=$(curl -s -o "$work/root.html" -w '%{http_code} %{content_type}' "http://127.0.0.1:$port/")
case "$code" in
  "200 text/html"*) grep -q 'console/bundle.js' "$work/root.html" || fail "/ answers HTML that is not the console" ;
    echo "image-test: console page served at /" ;;
  *) fail "/ answered $code, not the console page" ;;
esac

# The same checks the process does at its own start: the data dir belongs to the runtime user, nothing
# was written outside the volumes (the root filesystem is read-only, so a write would have failed).
[ -f "$work/data/setup-token" ] || fail "no setup token in the data volume"
"${podman[@]}" stop -t 20 "$name" >/dev/null
[ "$("${podman[@]}" inspect --format '{{.State.ExitCode}}' "$name")" = "0" ] \
  || { "${podman[@]}" logs "$name" 2>&1 | tail -n 20 >&2; fail "the server did not stop cleanly on SIGTERM"; }
echo "image-test: stopped cleanly on SIGTERM"

# localize in the image: loads the embedding model, extracts the ONNX and tokenizer natives to /tmp.
git -C "$work/repo" init -q
printf 'def parse_config(path):\n    """Read the YAML configuration file."""\n    return open(path).read()\n' >"$work/repo/config.py"
printf 'def add(a, b):\n    return a + b\n' >"$work/repo/arith.py"
git -C "$work/repo" add . && git -C "$work/repo" -c user.email=ci@example.com -c user.name=ci commit -qm init
rev=$(git -C "$work/repo" rev-parse HEAD)
echo "the configuration file is not read" >"$work/query.txt"
chmod -R a+rX "$work/repo" "$work/query.txt"
out=$("${podman[@]}" run --rm --read-only "${limits[@]}" --tmpfs /tmp:rw,size=512m,mode=1777 \
  -v "$work/repo:/repo:ro" -v "$work/query.txt:/query.txt:ro" "$image" \
  localize --repo /repo --rev "$rev" --query-file /query.txt --index-dir /tmp/index --json 2>"$work/localize.err") \
  || { tail -n 20 "$work/localize.err" >&2; fail "localize failed in the image"; }
echo "image-test: localize: $out"
case "$out" in
  '{"files":[{"path":"config.py"'*) ;;
  *) fail "localize did not rank config.py first" ;;
esac
echo "image-test: OK"
