#!/usr/bin/env bash
# Installs the Debian packages Fangxian needs beyond Python. `run`: the Noto CJK fonts for
# Chinese PDFs. `test` adds Chromium for the browser tests, LibreOffice Calc for the import
# round trip and gettext for the translation check. Skips what is present; without root it
# says what to install and carries on.
set -u
need=()
fc-list 2>/dev/null | grep -q "Noto Sans CJK" || need+=(fonts-noto-cjk)
if [ "${1:-test}" = test ]; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  command -v soffice >/dev/null 2>&1 || need+=(libreoffice-calc-nogui)
  command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
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
