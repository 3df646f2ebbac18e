#!/usr/bin/env bash
# Installs the kiosk on Raspberry Pi OS (64-bit, Lite; Debian 12 "bookworm") as a systemd service
# that runs the touch-screen UI full screen on tty1 over KMS/DRM, without a desktop.
#
#   git clone <this repository> kiosk && sudo bash kiosk/systemd/install-pi.sh [options]
#
# Options:
#   --profile demo|checkout|return-station
#                      which example becomes the config (default: demo = embedded library
#                      system + simulated hardware, so the screen comes up right away)
#   --with-acs         also install and enable the embedded library system as its own service
#                      (kiosk-acs, SIP2 on 127.0.0.1:6001) for kiosks that should share one
#   --prefix DIR       where the app and its virtual environment go (default /opt/kiosk)
#   --no-start         install and enable, but do not start now
#   --dry-run          change nothing on this machine: print every command instead of running it,
#                      and write the files into --root (required with --dry-run)
#   --root DIR         file-system root to write into (only with --dry-run; used by the tests)
#   --force            install on a machine that is not a 64-bit Raspberry Pi (aarch64) anyway
#
# What it does: installs the Debian packages; creates the system user "kiosk" in the groups
# video render input audio dialout lp plugdev (GPU, touch screen, serial readers, printers);
# copies the app to PREFIX/app and makes the virtual environment PREFIX/venv; writes
# /etc/kiosk/kiosk.toml (or return.toml) from the example unless one exists (then *.new);
# installs the units; frees tty1 from getty; checks KMS is on; validates the config; enables and
# starts the service. Safe to run again (e.g. after `git pull` to upgrade).
set -euo pipefail

SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PROFILE=demo
WITH_ACS=0
PREFIX=/opt/kiosk
START=1
DRY_RUN=0
ROOT=""
FORCE=0

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; }
die() { echo "install-pi: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
    case "$1" in
        --profile) PROFILE="${2:-}"; shift 2 ;;
        --with-acs) WITH_ACS=1; shift ;;
        --prefix) PREFIX="${2:-}"; shift 2 ;;
        --no-start) START=0; shift ;;
        --dry-run) DRY_RUN=1; shift ;;
        --root) ROOT="${2:-}"; shift 2 ;;
        --force) FORCE=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown option: $1" ;;
    esac
done

case "$PROFILE" in
    demo) EXAMPLE=demo.toml; CONFIG_NAME=kiosk.toml; UNIT=kiosk.service ;;
    checkout) EXAMPLE=checkout-kiosk.toml; CONFIG_NAME=kiosk.toml; UNIT=kiosk.service ;;
    return-station) EXAMPLE=return-station.toml; CONFIG_NAME=return.toml; UNIT=kiosk-return-station.service ;;
    *) die "--profile must be demo, checkout or return-station (not '$PROFILE')" ;;
esac
case "$PREFIX" in /*) ;; *) die "--prefix must be an absolute path" ;; esac
if [ -n "$ROOT" ] && [ "$DRY_RUN" -eq 0 ]; then die "--root is only for --dry-run"; fi
if [ "$DRY_RUN" -eq 1 ] && [ -z "$ROOT" ]; then die "--dry-run needs --root DIR to write files into"; fi
if [ "$DRY_RUN" -eq 0 ] && [ "$(id -u)" -ne 0 ]; then die "run as root: sudo bash $0 $*"; fi
if [ -n "$ROOT" ]; then mkdir -p "$ROOT"; ROOT="$(cd "$ROOT" && pwd)"; fi

APP="$PREFIX/app"
VENV="$PREFIX/venv"
ETC=/etc/kiosk
GROUPS_WANTED=(video render input audio dialout lp plugdev)
APT_PACKAGES=(
    python3 python3-venv python3-dev gcc pkg-config     # the venv; pyscard builds from source
    libpcsclite-dev pcscd                               # PC/SC card readers
    libgl1 libegl1 libgles2 libgl1-mesa-dri libgbm1 libdrm2 libmtdev1  # Kivy/SDL2 on KMS/DRM
    libasound2 espeak-ng                                # sounds and spoken prompts
    libusb-1.0-0                                        # USB receipt printers
)

step() { echo "==> $*"; }
# Commands that change the machine: run them, or in a dry run only print them.
run() {
    if [ "$DRY_RUN" -eq 0 ]; then "$@"; return; fi
    local line="dry-run:" arg
    for arg in "$@"; do
        if [[ "$arg" =~ ^[A-Za-z0-9_@%+=:,./-]+$ ]]; then line+=" $arg"; else line+=" '$arg'"; fi
    done
    echo "$line"
}
# Files are always written (under ROOT in a dry run).
put() {  # put MODE SOURCE DEST  (DEST without ROOT)
    install -D -m "$1" "$2" "$ROOT$3"
}

step "checking the machine"
if [ "$DRY_RUN" -eq 0 ]; then
    arch="$(uname -m)"
    # A real install takes over tty1, the default target and a system user: never by accident
    # on a workstation or a build machine (try --dry-run --root DIR there).
    if [ "$arch" != aarch64 ] && [ "$FORCE" -eq 0 ]; then
        die "$arch is not a 64-bit Raspberry Pi (Kivy ships wheels for aarch64 Raspberry Pi OS); use --dry-run --root DIR to try the installer, or --force to install anyway"
    fi
    command -v apt-get >/dev/null || die "this installer is for Raspberry Pi OS / Debian (apt-get not found)"
fi

step "installing Debian packages"
run apt-get update -qq
run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${APT_PACKAGES[@]}"

step "creating the kiosk user"
if [ "$DRY_RUN" -eq 1 ] || ! id kiosk >/dev/null 2>&1; then
    run useradd --system --user-group --home-dir /var/lib/kiosk --no-create-home \
        --shell /usr/sbin/nologin --comment "library kiosk" kiosk
fi
present=()
for group in "${GROUPS_WANTED[@]}"; do
    if [ "$DRY_RUN" -eq 1 ] || getent group "$group" >/dev/null; then present+=("$group"); fi
done
run usermod --append --groups "$(IFS=,; echo "${present[*]}")" kiosk

step "installing the app into $APP and the virtual environment $VENV"
mkdir -p "$ROOT$APP"
if [ "$SRC" != "$ROOT$APP" ]; then
    # Outside /home on purpose: the unit runs with ProtectHome=yes.
    tar -C "$SRC" --exclude=./.venv --exclude=./.git --exclude=node_modules \
        --exclude=__pycache__ --exclude=.pytest_cache --exclude=.ruff_cache --exclude='*.db' \
        --exclude='*.egg-info' --exclude=.hypothesis \
        -cf - . | tar -C "$ROOT$APP" -xf -
fi
run python3 -m venv "$VENV"
run "$VENV/bin/python" -m pip install -q --upgrade pip
run "$VENV/bin/python" -m pip install -q -e "$APP"

step "writing the configuration in $ETC"
mkdir -p "$ROOT$ETC/secrets"
chmod 0750 "$ROOT$ETC"
chmod 0700 "$ROOT$ETC/secrets"
run chown root:kiosk "$ETC"
run chown kiosk:kiosk "$ETC/secrets"
config_source="$(mktemp)"
trap 'rm -f "$config_source"' EXIT
# An installed kiosk keeps its state where the unit's StateDirectory= is.
sed -E 's#^state_dir = .*#state_dir = "/var/lib/kiosk"#' "$SRC/config/$EXAMPLE" >"$config_source"
target="$ETC/$CONFIG_NAME"
if [ -e "$ROOT$target" ] && ! cmp -s "$config_source" "$ROOT$target"; then
    echo "keeping your $target; the $PROFILE example is written to $target.new"
    target="$target.new"
fi
put 0640 "$config_source" "$target"
run chown root:kiosk "$target"

step "installing the systemd units"
units=("$UNIT")
if [ "$WITH_ACS" -eq 1 ]; then units+=(kiosk-acs.service); fi
for unit in "${units[@]}"; do
    sed "s#/opt/kiosk/venv#$VENV#g" "$SRC/systemd/$unit" >"$config_source"
    put 0644 "$config_source" "/etc/systemd/system/$unit"
done
if [ "$WITH_ACS" -eq 1 ]; then
    data="$(find "$SRC/kiosk/acs/data" -maxdepth 1 -name '*.json' 2>/dev/null | sort | head -n 1 || true)"
    if [ -n "$data" ]; then
        put 0644 "$data" "/etc/kiosk-acs/consortium.json"
    else
        echo "warning: no demo data found in kiosk/acs/data; put a data file at /etc/kiosk-acs/consortium.json" >&2
    fi
fi

if [ "$UNIT" = kiosk.service ]; then
    step "display: KMS/DRM on tty1"
    boot_config=/boot/firmware/config.txt
    [ -e "$ROOT$boot_config" ] || boot_config=/boot/config.txt
    if [ -e "$ROOT$boot_config" ] && ! grep -Eq '^dtoverlay=vc4-(f)?kms-v3d' "$ROOT$boot_config"; then
        echo "enabling the KMS display driver in $boot_config (takes effect after a reboot)"
        printf '\n# library kiosk: Kivy draws through KMS/DRM\ndtoverlay=vc4-kms-v3d\n' >>"$ROOT$boot_config"
    fi
    run systemctl disable getty@tty1.service
    run systemctl set-default multi-user.target
fi

step "checking the configuration"
if ! run runuser -u kiosk -- "$VENV/bin/kiosk" config check "$ETC/$CONFIG_NAME"; then
    echo "the configuration needs the changes listed above; the service is enabled, not started" >&2
    START=0
fi

step "enabling ${units[*]}"
run systemctl daemon-reload
for unit in "${units[@]}"; do
    run systemctl enable "$unit"
    # restart, not start: after an upgrade (running again) the new code must take over.
    if [ "$START" -eq 1 ]; then run systemctl restart "$unit"; fi
done

cat <<EOF

Installed ($PROFILE). Next:
  edit the config:       sudo nano $ETC/$CONFIG_NAME      (then: sudo systemctl restart ${UNIT%.service})
  check it:              sudo -u kiosk $VENV/bin/kiosk config check $ETC/$CONFIG_NAME
  put a secret:          sudo install -m 600 -o kiosk -g kiosk /dev/stdin $ETC/secrets/sip2-password
  follow the logs:       journalctl -u ${UNIT%.service} -f
  health and metrics:    curl http://127.0.0.1:9464/healthz   curl http://127.0.0.1:9464/metrics
EOF
