#!/usr/bin/env bash
# The Debian packages Fangxian needs beyond Python: the one list, also asked by the tests
# (tests/sysdeps.py) so that a skipped test names the same package as `make test` does.
#
#   sysdeps.sh run|test|bench   installs what that command needs and is missing (as root with
#                               apt-get); otherwise says what is missing and how to get it, and
#                               carries on (exit 0)
#   sysdeps.sh missing NEED...  prints "NEED PACKAGE..." for each named need that is missing
set -u
# ldconfig lives in /sbin, which is not on an ordinary user's PATH.
PATH=$PATH:/usr/sbin:/sbin

# What each command needs.
RUN_NEEDS="fonts pango"
TEST_NEEDS="$RUN_NEEDS chromium soffice msgfmt zbarimg pdftoppm pdftotext"
BENCH_NEEDS="$RUN_NEEDS wrk"

# The Debian packages that bring a need.
packages() {
  case $1 in
    fonts) echo fonts-noto-cjk ;;
    pango) echo libpango-1.0-0 libpangoft2-1.0-0 ;;
    chromium) echo chromium ;;
    soffice) echo libreoffice-calc-nogui ;;
    msgfmt) echo gettext ;;
    zbarimg) echo zbar-tools ;;
    pdftoppm | pdftotext) echo poppler-utils ;;
    wrk) echo wrk ;;
    *) echo "sysdeps.sh: unknown need $1" >&2; exit 2 ;;
  esac
}

# What a need is for, in the message to a person who has to install it.
purpose() {
  case $1 in
    fonts) echo "Chinese text in PDFs (permit cards, notices, maps, rosters)" ;;
    pango) echo "PDFs at all (WeasyPrint draws text with Pango)" ;;
    chromium) echo "the browser tests (Playwright drives Debian's /usr/bin/chromium)" ;;
    soffice) echo "the test of a workbook saved by LibreOffice" ;;
    msgfmt) echo "the test that the compiled translations are fresh" ;;
    zbarimg) echo "reading printed permit codes back in the tests" ;;
    pdftoppm | pdftotext) echo "reading PDFs back in the tests" ;;
    wrk) echo "the HTTP benchmarks" ;;
  esac
}

present() {
  case $1 in
    fonts) fc-list 2>/dev/null | grep -q "Noto Sans CJK" ;;
    pango) ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so.0" ;;
    chromium) [ -x /usr/bin/chromium ] ;;
    *) command -v "$1" >/dev/null 2>&1 ;;
  esac
}

if [ "${1:-}" = missing ]; then
  shift
  for need in "$@"; do
    packages "$need" >/dev/null || exit 2
    present "$need" || echo "$need $(packages "$need")"
  done
  exit 0
fi

case ${1:-test} in
  run) needs=$RUN_NEEDS ;;
  test) needs=$TEST_NEEDS ;;
  bench) needs=$BENCH_NEEDS ;;
  *) echo "usage: sysdeps.sh run|test|bench | missing NEED..." >&2; exit 2 ;;
esac
missing=()
install=()
for need in $needs; do
  if ! present "$need"; then
    missing+=("$need")
    for package in $(packages "$need"); do
      [[ " ${install[*]} " == *" $package "* ]] || install+=("$package")
    done
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${install[*]} ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${install[@]}" >/dev/null && exit 0
  echo "apt-get could not install ${install[*]}."
fi
echo "Fangxian is missing system packages (it carries on without them):"
for need in "${missing[@]}"; do
  echo "  - $(packages "$need") (${need}): $(purpose "$need")"
done
echo "Get them with (Debian, Ubuntu):"
echo "  sudo apt-get install -y --no-install-recommends ${install[*]}"
if [ "${1:-test}" = test ]; then
  echo "Until then the tests that need them are skipped, each saying which package it needs."
fi
exit 0
