#!/usr/bin/env bash
# Installs dix and dixd from one release build of the workspace (the two
# packages share every dependency, so one `cargo build` compiles them once;
# two `cargo install` runs would compile them twice), with dix's shell
# completions and the manual pages:
#
#   scripts/install.sh                    # into /usr/local (as deploy/dixd.service expects)
#   scripts/install.sh --prefix ~/.local  # elsewhere: PREFIX/bin, PREFIX/share/...
#
# DIX_INSTALL_PROFILE=dev installs the debug build instead (for testing
# this script without a release build).
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=/usr/local
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="${2:?--prefix needs a directory}"; shift 2 ;;
    --prefix=*) prefix="${1#--prefix=}"; shift ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

profile="${DIX_INSTALL_PROFILE:-release}"
case "$profile" in
  release) out=release ;;
  dev) out=debug ;;
  *) echo "install.sh: DIX_INSTALL_PROFILE is release or dev" >&2; exit 2 ;;
esac
target="${CARGO_TARGET_DIR:-target}"

echo "== building dix and dixd ($profile)"
cargo build --locked --profile "$profile" --workspace --bins

bin="$prefix/bin"
echo "== installing into $bin"
install -d "$bin" "$prefix/share/man/man1" \
  "$prefix/share/bash-completion/completions" \
  "$prefix/share/zsh/site-functions" \
  "$prefix/share/fish/vendor_completions.d"
install -m755 "$target/$out/dix" "$target/$out/dixd" "$bin/"
"$bin/dix" man --out "$prefix/share/man/man1" 2>/dev/null
"$bin/dix" completions bash > "$prefix/share/bash-completion/completions/dix"
"$bin/dix" completions zsh > "$prefix/share/zsh/site-functions/_dix"
"$bin/dix" completions fish > "$prefix/share/fish/vendor_completions.d/dix.fish"
echo "installed: $bin/dix $bin/dixd, manual pages in $prefix/share/man/man1, completions for bash, zsh and fish"
