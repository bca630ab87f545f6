# Sourced by scripts/demo and scripts/test: installs what HelixCode needs on a Debian machine
# and leaves a virtualenv with the package in .venv. Safe to run again: it only installs what
# is missing.
#
# Needs: Debian (or a derivative) with apt, and Python 3.11 or newer. As root it installs
# Debian packages itself; as another user it uses sudo when there is one, or says what to
# install.

set -euo pipefail

HELIX_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$HELIX_ROOT/.venv"

say() { printf '==> %s\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        say "please install as root: $*"
        return 1
    fi
}

# The newest PostgreSQL server major version installed (Debian layout), or nothing.
pg_major() {
    ls /usr/lib/postgresql 2>/dev/null | grep -E '^[0-9]+$' | sort -n | tail -n 1 || true
}

APT_UPDATED=0
apt_install() {
    [ "$#" -gt 0 ] || return 0
    if ! command -v apt-get >/dev/null 2>&1; then
        say "no apt-get here; install these by hand: $*"
        return 1
    fi
    if [ "$APT_UPDATED" -eq 0 ]; then
        say "apt-get update"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        APT_UPDATED=1
    fi
    say "installing Debian packages: $*"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "$@" >/dev/null
}

# ensure_packages [test]: the server always; pgTAP and sshd for the test suite.
ensure_packages() {
    local want=()
    python3 -c 'import ensurepip' 2>/dev/null || want+=(python3-venv)
    local major
    major=$(pg_major)
    if [ -z "$major" ] || [ "$major" -lt 15 ]; then
        want+=(postgresql postgresql-contrib)
    fi
    apt_install "${want[@]}"
    major=$(pg_major)
    if [ -z "$major" ] || [ "$major" -lt 15 ]; then
        say "PostgreSQL 15 or newer is needed; found: ${major:-none}"
        return 1
    fi
    if [ "${1:-}" = test ]; then
        want=()
        [ -f "/usr/share/postgresql/$major/extension/pgtap.control" ] \
            || want+=("postgresql-$major-pgtap")
        [ -x /usr/sbin/sshd ] || want+=(openssh-server)
        command -v ssh-keygen >/dev/null 2>&1 || want+=(openssh-client)
        command -v pgrep >/dev/null 2>&1 || want+=(procps)
        apt_install "${want[@]}"
    fi
}

# ensure_venv: .venv with the package (and its test extras) installed in editable mode,
# reinstalled when pyproject.toml changes.
ensure_venv() {
    local stamp="$VENV/.helix-installed" digest
    digest=$(sha256sum "$HELIX_ROOT/pyproject.toml" | cut -d' ' -f1)
    if [ ! -x "$VENV/bin/python" ]; then
        say "creating virtualenv $VENV"
        python3 -m venv "$VENV"
    fi
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
        say "installing helixcode and its dependencies into $VENV"
        "$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
        "$VENV/bin/python" -m pip install -q -e "$HELIX_ROOT[test]"
        echo "$digest" > "$stamp"
    fi
}
