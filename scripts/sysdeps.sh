#!/usr/bin/env bash
# Installs the Debian packages Fangxian needs beyond Python. `run`: the Noto CJK fonts and
# Pango for Chinese PDFs. `test` adds Chromium for the browser tests, LibreOffice Calc for the import
# round trip, gettext for the translation check, zbar and poppler to read printed permits. Skips what is present; without root it
# says what to install and carries on.
set -u
need=()
fc-list 2>/dev/null | grep -q "Noto Sans CJK" || need+=(fonts-noto-cjk)
# WeasyPrint (permit cards, PDFs) draws text with Pango.
ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so.0" || need+=(libpango-1.0-0 libpangoft2-1.0-0)
if [ "${1:-test}" = bench ]; then
  command -v wrk >/dev/null 2>&1 || need+=(wrk)
fi
if [ "${1:-test}" = test ]; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  command -v soffice >/dev/null 2>&1 || need+=(libreoffice-calc-nogui)
  command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
  # An independent QR reader and PDF tools, to check printed permits as a person would.
  command -v zbarimg >/dev/null 2>&1 || need+=(zbar-tools)
  command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
fi
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "Fangxian would like these Debian packages: ${need[*]}"
  echo "  sudo apt-get install -y --no-install-recommends ${need[*]}"
  exit 0
fi
echo "Installing ${need[*]} ..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
