#!/bin/sh
# SQLite belongs to the store: no sqlite3_ call, no <sqlite3.h> and no SQL text anywhere in
# src/ outside src/store (nor in fuzz/), and the store's public headers do not hand SQLite
# on (store-private.h and schema.h, which do, are included only by the store's own files).
# Run by tests/run-all (TAP); the build folder argument is not needed.
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here" || exit 2
echo "1..4"
n=0
fails=0

# check DESCRIPTION FOUND: ok when FOUND (grep's lines) is empty, otherwise names them.
check() {
	n=$((n + 1))
	if [ -z "$2" ]; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		printf '%s\n' "$2" | sed 's/^/#   /'
		fails=$((fails + 1))
	fi
}

sources() {
	find src fuzz -type f \( -name '*.c' -o -name '*.h' \) ! -path 'src/store/*' | sort
}

found=$(sources | xargs grep -nE 'sqlite3_|sqlite3\.h' /dev/null)
check "no sqlite3_ call or sqlite3.h outside src/store" "$found"

# SQL as the store writes it; IMAP's own SELECT command ("SELECT %s") has no FROM.
found=$(sources | xargs grep -nE 'SELECT .*FROM |INSERT (OR [A-Z]+ )?INTO |DELETE FROM |UPDATE [a-z_]+ SET |PRAGMA [a-z_]+|BEGIN IMMEDIATE' /dev/null)
check "no SQL text outside src/store" "$found"

found=$(find src/store -name '*.h' ! -name 'store-private.h' ! -name 'schema.h' | sort |
	xargs grep -nE 'sqlite3' /dev/null)
check "the store's public headers do not include sqlite3.h" "$found"

found=$(find src fuzz tests bench -type f \( -name '*.c' -o -name '*.h' \) ! -path 'src/store/*' \
	2>/dev/null | sort | xargs grep -nE '#include +"store/(store-private|schema)\.h"' /dev/null)
check "store-private.h and schema.h are included only inside src/store" "$found"

[ "$fails" = 0 ]
