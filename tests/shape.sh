#!/bin/sh
# The shape of the source, checked the way a reviewer would look at it:
#
# 1. No function in src/ is longer than LIMIT lines (its body, from the opening brace to the
#    closing one) without a comment directly above it: a long function is either split where
#    the split reads better, or says why it is not.
# 2. No two .c files in one folder of src/ each call a function the other defines: the files
#    of a folder depend on each other in one direction only (message.c uses message-class.c,
#    never the reverse), so each can be read knowing only the ones below it.
#
# Before it looks at src/ it runs both checks on a small invented tree that breaks each rule,
# and fails if either check passes there: a checker that cannot fail proves nothing.
#
# What it reads is this project's own layout (GNU style: a function's signature starts at the
# left margin and its braces stand alone at the left margin), not C in general; a function
# written another way is not seen, and the self-test pins what it does see.
#
# TAP on stdout; run by tests/run-all, or alone: sh tests/shape.sh
LIMIT=${CHASER_SHAPE_LIMIT:-80}
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here" || exit 2

# Prints "FILE:LINE NAME LENGTH COMMENTED" for every function definition in the files given.
functions() {
	awk '
	FNR == 1 { sig = 0; inbody = 0; last = "" }
	{
		line = $0
		if (!inbody) {
			if (!sig && line ~ /^[A-Za-z_][A-Za-z0-9_ \t*]*[ \t*][A-Za-z_][A-Za-z0-9_]*\(/ &&
			    line !~ /^(typedef|return|else|if|for|while|switch|case|do)[ (]/ &&
			    line !~ /;[ \t]*$/ && line !~ /=/) {
				sig = FNR
				name = line; sub(/\(.*/, "", name); sub(/.*[ \t*]/, "", name)
				commented = (last ~ /\*\/[ \t]*$/ || last ~ /^[ \t]*\/\//)
			} else if (sig && line ~ /^\{/) {
				inbody = 1; start = FNR
			} else if (sig && line ~ /;[ \t]*$/) {
				sig = 0  # a prototype, not a definition
			}
		} else if (line ~ /^\}/) {
			printf "%s:%d %s %d %d\n", FILENAME, sig, name, FNR - start + 1, commented
			inbody = 0; sig = 0
		}
		if (!sig) last = line
	}' "$@"
}

# Prints "FILE:LINE NAME LENGTH" for each function over LIMIT lines with no comment above it.
long_unexplained() {
	functions "$@" | awk -v limit="$LIMIT" '$3 > limit && $4 == 0 { print $1, $2, $3 }'
}

# For the .c files of one folder (given), prints "A B: a-calls-b / b-calls-a" for each pair
# that call each other. A file's definitions are its functions not declared static; its calls
# are the names followed by "(" outside comments and string literals.
circles() {
	awk '
	function strip(s,    out, i, c, n) {
		out = ""; n = length(s)
		for (i = 1; i <= n; i++) {
			c = substr(s, i, 1)
			if (incomment) {
				if (c == "*" && substr(s, i + 1, 1) == "/") { incomment = 0; i++ }
				continue
			}
			if (instr) {
				if (c == "\\") { i++; continue }
				if (c == q) instr = 0
				continue
			}
			if (c == "/" && substr(s, i + 1, 1) == "*") { incomment = 1; i++; continue }
			if (c == "/" && substr(s, i + 1, 1) == "/") break
			if (c == "\"" || c == "\x27") { instr = 1; q = c; out = out " "; continue }
			out = out c
		}
		return out
	}
	FNR == 1 { incomment = 0; instr = 0; files[++nf] = FILENAME }
	{
		raw = $0
		code = strip(raw)
		instr = 0  # a literal never runs on to the next line in this code
		if (code ~ /^#/) next
		if (raw ~ /^[A-Za-z_][A-Za-z0-9_ \t*]*[ \t*][A-Za-z_][A-Za-z0-9_]*\(/ &&
		    raw !~ /^(static|typedef|extern|return)[ \t]/ && raw !~ /;[ \t]*$/ &&
		    raw !~ /=/) {
			n = raw; sub(/\(.*/, "", n); sub(/.*[ \t*]/, "", n)
			def[FILENAME, n] = 1; defname[FILENAME] = defname[FILENAME] " " n
			code = substr(code, index(code, "(") + 1)
		}
		while (match(code, /[A-Za-z_][A-Za-z0-9_]*[ \t]*\(/)) {
			n = substr(code, RSTART, RLENGTH - 1); sub(/[ \t]+$/, "", n)
			calls[FILENAME, n] = 1
			code = substr(code, RSTART + RLENGTH)
		}
	}
	END {
		for (i = 1; i <= nf; i++) for (j = i + 1; j <= nf; j++) {
			a = files[i]; b = files[j]
			ab = ""; ba = ""
			k = split(defname[b], d, " ")
			for (x = 1; x <= k; x++) if ((a, d[x]) in calls) { ab = d[x]; break }
			k = split(defname[a], d, " ")
			for (x = 1; x <= k; x++) if ((b, d[x]) in calls) { ba = d[x]; break }
			if (ab != "" && ba != "")
				print a " <-> " b ": " a " calls " ab "(), " b " calls " ba "()"
		}
	}' "$@"
}

circles_in() {
	for dir in "$1"/*/; do
		set -- "$dir"*.c
		[ -f "$1" ] && circles "$@"
	done
}

n=0 failed=0
verdict() {  # verdict NAME PROBLEMS-FILE: ok when the file is empty, else not ok with them
	n=$((n + 1))
	if [ -s "$2" ]; then
		echo "not ok $n $1 - $(wc -l <"$2" | tr -d ' ') problem(s)"
		sed 's/^/# /' "$2"
		failed=1
	else
		echo "ok $n $1"
	fi
}
expect_caught() {  # expect_caught NAME FOUND-FILE WANTED UNWANTED: FOUND names WANTED only
	n=$((n + 1))
	if grep -q "$3" "$2" && ! grep -q "$4" "$2"; then
		echo "ok $n $1"
	else
		echo "not ok $n $1 - the check should name $3 and nothing matching $4"
		sed 's/^/# found: /' "$2"
		failed=1
	fi
}

work=$(mktemp -d "${TMPDIR:-/tmp}/chaser-shape-XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
echo "1..4"

# The invented tree: a long function with no comment, a long one with a comment, a short
# one; two files that call each other; two that call in one direction only.
mkdir -p "$work/src/a" "$work/src/b"
{
	printf 'static int short_one(void)\n{\n\treturn 1;\n}\n\n'
	printf 'int too_long(int x)\n{\n'
	i=0; while [ $i -lt "$LIMIT" ]; do printf '\tx += %d;\n' $i; i=$((i + 1)); done
	printf '\treturn x;\n}\n\n'
	printf '/* Long because each step reads the one before. */\nint long_but_explained(int x,\n                       int y)\n{\n'
	i=0; while [ $i -lt "$LIMIT" ]; do printf '\tx += y;\n'; i=$((i + 1)); done
	printf '\treturn x;\n}\n'
} >"$work/src/a/long.c"
printf 'int one(void);\nint two(void)\n{\n\treturn one();\n}\n' >"$work/src/a/two.c"
printf '/* two() is named here, in a comment, and "three()" in a string: neither counts. */\nint one(void)\n{\n\treturn two();\n}\n' >"$work/src/a/one.c"
printf 'int four(void);\nint three(void)\n{\n\treturn four();\n}\n' >"$work/src/b/three.c"
printf '/* three() is not called here. */\nint four(void)\n{\n\tconst char *s = "three()";\n\treturn s != 0;\n}\n' >"$work/src/b/four.c"

long_unexplained "$work"/src/a/*.c "$work"/src/b/*.c >"$work/long-found"
circles_in "$work/src" >"$work/circle-found"
# The uncommented long one is caught; the commented one, the short one and the files that
# call in one direction only are not.
expect_caught shape/checker-catches-a-long-function "$work/long-found" 'too_long' \
	'long_but_explained\|short_one'
expect_caught shape/checker-catches-two-files-calling-each-other "$work/circle-found" \
	'src/a/one.c <-> .*src/a/two.c\|src/a/two.c <-> .*src/a/one.c' 'src/b/'

# The real tree.
long_unexplained $(find src -name '*.c' | sort) |
	awk -v limit="$LIMIT" '{ print $1 " " $2 "() is " $3 " lines (over " limit ") with no comment above it saying why" }' \
	>"$work/long"
verdict shape/no-long-function-without-a-comment "$work/long"
circles_in src >"$work/circles"
verdict shape/no-two-files-of-a-folder-call-each-other "$work/circles"

exit $failed
