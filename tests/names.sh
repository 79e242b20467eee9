#!/bin/sh
# The domain's words have one spelling, in src/engine/names.c: no other file under src/
# compares a string (the strcmp family) against a literal that is a state, a reply-token
# purpose, a role or an audit event name. It compares enums, or parses with the table.
#
# The names are read from the tables in names.c themselves (their `[CH_...] = "name"` and
# `[CH_ROLE_...] = { "name"` lines), never from a copy here. SQL text is not a comparison in
# C and is not looked at. Prints TAP; run by tests/run-all (the argument, a build folder, is
# not needed).
#
# CHASER_NAMES_SRC=DIR checks another tree (used to see this test fail on purpose).
here=$(cd "$(dirname "$0")/.." && pwd)
src=${CHASER_NAMES_SRC:-$here/src}
table=$src/engine/names.c

echo "1..3"
if [ ! -f "$table" ]; then
	echo "not ok 1 - the name tables are in src/engine/names.c # $table is missing"
	echo "not ok 2 - no state, purpose or role name compared as a string outside the tables"
	echo "not ok 3 - no audit event name compared as a string outside the tables"
	exit 1
fi

# One name a line: "domain NAME" for states, purposes and roles, "audit NAME" for events.
names=$(perl -ne '
	if (/^\s*\[CH_ROLE_[A-Z_]+\]\s*=\s*\{\s*"([a-z_]+)"/) { print "domain $1\n"; next }
	if (/^\s*\[CH_AUDIT_[A-Z_]+\]\s*=\s*"([a-z_.]+)"/) { print "audit $1\n"; next }
	if (/^\s*\[CH_[A-Z_]+\]\s*=\s*"([a-z_]+)"/) { print "domain $1\n"; next }
' "$table")
ndomain=$(printf '%s\n' "$names" | grep -c '^domain ')
naudit=$(printf '%s\n' "$names" | grep -c '^audit ')
# Fewer than this and the tables were not read: the test would pass on nothing.
if [ "$ndomain" -ge 30 ] && [ "$naudit" -ge 30 ]; then
	echo "ok 1 - the name tables are read from src/engine/names.c # $ndomain names, $naudit events"
else
	echo "not ok 1 - the name tables are read from src/engine/names.c # only $ndomain names and $naudit events found"
fi

# Every literal argument of a strcmp-family call, as "KIND FILE:LINE: LITERAL: CALL" for
# those that are names of KIND.
found=$(find "$src" -name '*.[ch]' ! -path "$table" | sort | NAMES="$names" perl -e '
	my %kind;
	for (split /\n/, $ENV{NAMES}) { my ($k, $n) = split / /; $kind{$n} = $k; }
	my $fn = qr/\b(?:strcmp|strncmp|strcasecmp|strncasecmp|g_strcmp0|g_str_equal|
	              g_ascii_strcasecmp|g_ascii_strncasecmp|g_strv_contains)\s*/x;
	while (my $file = <STDIN>) {
		chomp $file;
		open(my $fh, "<", $file) or die "$file: $!";
		local $/;
		my $text = <$fh>;
		close $fh;
		# Comments say what they like; only code counts.
		$text =~ s{/\*.*?\*/}{ my $c = $&; $c =~ s/[^\n]//g; $c }gse;
		$text =~ s{//[^\n]*}{}g;
		while ($text =~ /$fn(\((?:[^()"]|"(?:[^"\\]|\\.)*"|(?1))*\))/g) {
			my ($args, $end) = ($1, pos($text));
			my $line = 1 + (() = substr($text, 0, $end - length($args)) =~ /\n/g);
			while ($args =~ /"((?:[^"\\]|\\.)*)"/g) {
				my $lit = $1;
				next unless exists $kind{$lit};
				(my $call = $args) =~ s/\s+/ /g;
				print "$kind{$lit} $file:$line: \"$lit\" in $call\n";
			}
		}
	}
')

check() {
	n=$1 kind=$2 what=$3
	hits=$(printf '%s\n' "$found" | grep "^$kind " | sed "s|^$kind ||; s|^$here/||")
	if [ -z "$hits" ]; then
		echo "ok $n - $what"
	else
		echo "not ok $n - $what"
		printf '%s\n' "$hits" | sed 's/^/# /'
	fi
}
check 2 domain "no state, purpose or role name compared as a string outside the tables"
check 3 audit "no audit event name compared as a string outside the tables"
printf '%s\n' "$found" | grep -q . && exit 1
exit 0
