# munin_contrib.sh: Munin's contrib plugins for the benchmarks that compare
# drover with them (sourced).  They come from github.com/munin-monitoring/
# contrib at a fixed commit: from MUNIN_CONTRIB when set (a checkout of
# that repository, or its git directory: the commit is read from it),
# else downloaded (curl) from GitHub.
CONTRIB_COMMIT=e9dd969eeddd21e6b957c8a4845b547f94b3cc59 # 2026-08-08

# contrib_get PATH DEST: the repository's file PATH into DEST, executable
contrib_get() {
	local src=${MUNIN_CONTRIB:-}
	if [ -n "$src" ] && git --git-dir="$src" rev-parse -q --verify "$CONTRIB_COMMIT^{commit}" >/dev/null 2>&1; then
		git --git-dir="$src" show "$CONTRIB_COMMIT:$1" >"$2" || return 1
	elif [ -n "$src" ] && [ -d "$src/.git" ]; then
		git -C "$src" show "$CONTRIB_COMMIT:$1" >"$2" || return 1
	elif [ -n "$src" ]; then
		cp "$src/$1" "$2" || return 1
	else
		curl -sfL -o "$2" \
		    "https://raw.githubusercontent.com/munin-monitoring/contrib/$CONTRIB_COMMIT/$1" ||
			{ echo "could not download $1 (set MUNIN_CONTRIB to a checkout)" >&2; return 1; }
	fi
	chmod +x "$2"
}
