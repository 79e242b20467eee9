# Shared by tests/servers/start and tests/servers/stop. Sourced, not run.
# Every server keeps all its state under DIR; nothing outside DIR is written, except that
# OpenSMTPD's fixed queue and control-socket paths are hidden behind bind mounts in a private
# mount namespace (see start_smtpd).

DOMAIN=example.test
USERS="safeguarding chair slo1 slo2 admin"
REJECT_RCPT=refused@$DOMAIN

die() { echo "servers: $*" >&2; exit 1; }

# Prints one free TCP port per address given, all distinct: every socket stays bound until
# the last one is, so the kernel cannot hand out the same port twice.
free_ports() {
	perl -MIO::Socket::INET -e '
		my @keep;
		for my $a (@ARGV) {
			my $s = IO::Socket::INET->new(LocalAddr => $a, LocalPort => 0,
				Listen => 1, ReuseAddr => 1) or die "cannot bind $a: $!\n";
			push @keep, $s;
			print $s->sockport, "\n";
		}' "$@"
}

# wait_port ADDR PORT SECONDS: true once something accepts connections there.
wait_port() {
	local i=0 tries=$(($3 * 20))
	while [ $i -lt $tries ]; do
		if (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; then
			return 0
		fi
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

# alive PID: true while the process exists (and is not a zombie).
alive() {
	[ -n "$1" ] && [ -d "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

# children PID: the ids of its direct children.
children() {
	if command -v pgrep >/dev/null; then
		pgrep -P "$1" || true
		return 0
	fi
	local f p
	for f in /proc/[0-9]*/stat; do
		p=$(sed 's/.*) //' "$f" 2>/dev/null | cut -d' ' -f2)
		[ "$p" = "$1" ] && { f=${f#/proc/}; echo "${f%/stat}"; }
	done
	return 0
}

# stop_pid PID: TERM to the process and its children together (Dovecot's master alone takes
# seconds to wind its children down), up to 3 s for all of them to go, then KILL. Children
# are noted while the parent lives: once it has gone they belong to init.
stop_pid() {
	local pid=$1 all k i=0 left
	alive "$pid" || return 0
	all=$pid
	while [ $i -lt 60 ]; do
		if alive "$pid"; then
			for k in $(children "$pid"); do
				case " $all " in *" $k "*) ;; *) all="$all $k" ;; esac
			done
		fi
		left=""
		for k in $all; do
			alive "$k" && left="$left $k"
		done
		[ -z "$left" ] && return 0
		kill -TERM $left 2>/dev/null
		sleep 0.05
		i=$((i + 1))
	done
	for k in $all; do
		alive "$k" && kill -KILL "$k" 2>/dev/null
	done
	return 0
}

# cert DIR NAME SUBJECT_CN SAN [CA_NAME]: a P-256 key and certificate; signed by CA_NAME's
# key, or self-signed without one.
cert() {
	local d=$1 name=$2 cn=$3 san=$4 ca=${5:-}
	local key="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1"
	if [ -z "$ca" ]; then
		openssl req -x509 $key -nodes \
			-keyout "$d/$name.key" -out "$d/$name.pem" -days 30 -subj "/CN=$cn" \
			-addext "subjectAltName=$san" -addext "extendedKeyUsage=serverAuth" \
			2>/dev/null
	else
		openssl req -new $key -nodes \
			-keyout "$d/$name.key" -out "$d/$name.csr" -subj "/CN=$cn" 2>/dev/null
		printf '%s\n' "subjectAltName=$san" "basicConstraints=critical,CA:FALSE" \
			"keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" \
			>"$d/$name.ext"
		openssl x509 -req -in "$d/$name.csr" -CA "$d/$ca.pem" -CAkey "$d/$ca.key" \
			-CAcreateserial -days 30 -extfile "$d/$name.ext" -out "$d/$name.pem" 2>/dev/null
		rm -f "$d/$name.csr" "$d/$name.ext"
	fi
	chmod 600 "$d/$name.key"
}

# setup DIR: ports, certificates, users, configuration files, DIR/env. Runs once per DIR.
setup() {
	local d=$1 ports u
	mkdir -p "$d/tls" "$d/dovecot/run" "$d/dovecot/state" "$d/mail" "$d/home" "$d/sieve" \
		"$d/secrets" "$d/smtpd/spool" "$d/smtpd/run"
	ports=$(free_ports 127.0.0.1 127.0.0.1 127.0.0.2 127.0.0.3 127.0.0.1 127.0.0.1 \
		127.0.0.1 127.0.0.1 127.0.0.2) || die "no free ports"
	set -- $ports
	local imap=$1 imaps=$2 untrusted=$3 wrongname=$4 lmtp=$5 smtp=$6 sub=$7 subs=$8
	local subs_untrusted=$9

	# The test CA signs the good certificate (localhost and 127.0.0.1) and one for a name
	# that is not ours; the untrusted one is self-signed, the common real-world mistake.
	local t=$d/tls
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$t/ca.key" -out "$t/ca.pem" -days 30 -subj "/CN=chaser test CA" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null || die "openssl failed"
	chmod 600 "$t/ca.key"
	cert "$t" server localhost "DNS:localhost,IP:127.0.0.1" ca
	cert "$t" wrongname wrong.example.test "DNS:wrong.example.test" ca
	cert "$t" untrusted localhost "DNS:localhost,IP:127.0.0.1,IP:127.0.0.2"

	: >"$d/dovecot/passwd"
	for u in $USERS; do
		echo "$u:{PLAIN}test-password-$u" >>"$d/dovecot/passwd"
		printf 'test-password-%s\n' "$u" >"$d/secrets/$u.password"
		# Sieve keeps its vacation "already answered" records in the home folder.
		mkdir -p "$d/home/$u"
	done
	chmod 600 "$d/secrets"/*
	# Dovecot's auth process reads the passwd-file as the dovecot user.
	chown root:dovecot "$d/dovecot/passwd"
	chmod 640 "$d/dovecot/passwd"
	chown -R dovecot:dovecot "$d/mail" "$d/home" "$d/sieve"

	cat >"$d/dovecot/dovecot.conf" <<EOF
# Written by tests/servers/start for one test run.
base_dir = $d/dovecot/run
state_dir = $d/dovecot/state
instance_name = chaser-test-$imap
log_path = $d/dovecot/dovecot.log
protocols = imap lmtp submission
listen = 127.0.0.1
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = 1
mail_location = maildir:$d/mail/%n
auth_username_format = %Ln
auth_verbose = yes
recipient_delimiter = +
postmaster_address = postmaster@$DOMAIN
hostname = localhost
ssl = yes
ssl_cert = <$t/server.pem
ssl_key = <$t/server.key
ssl_min_protocol = TLSv1.2
local 127.0.0.2 {
  ssl_cert = <$t/untrusted.pem
  ssl_key = <$t/untrusted.key
}
local 127.0.0.3 {
  ssl_cert = <$t/wrongname.pem
  ssl_key = <$t/wrongname.key
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN $d/dovecot/passwd
}
userdb {
  driver = static
  args = uid=dovecot gid=dovecot home=$d/home/%n
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $imap
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $imaps
    ssl = yes
  }
  inet_listener imaps_untrusted {
    address = 127.0.0.2
    port = $untrusted
    ssl = yes
  }
  inet_listener imaps_wrongname {
    address = 127.0.0.3
    port = $wrongname
    ssl = yes
  }
}
# Submission (STARTTLS, implicit TLS, AUTH) relays everything to the test OpenSMTPD.
submission_relay_host = 127.0.0.1
submission_relay_port = $smtp
submission_relay_trusted = yes
service submission-login {
  inet_listener submission {
    address = 127.0.0.1
    port = $sub
  }
  inet_listener submissions {
    address = 127.0.0.1
    port = $subs
    ssl = yes
  }
  inet_listener submissions_untrusted {
    address = 127.0.0.2
    port = $subs_untrusted
    ssl = yes
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $lmtp
  }
}
protocol lmtp {
  mail_plugins = \$mail_plugins sieve
}
# Vacation replies (Sieve) leave through the test OpenSMTPD.
submission_host = 127.0.0.1:$smtp
plugin {
  sieve = file:$d/sieve/%n;active=$d/sieve/%n.active.sieve
}
!include_try $d/dovecot-extra.conf
EOF

	# OpenSMTPD 6.8.0p2 as built for Debian 12 cannot do TLS as a server (OpenSSL 3 breaks
	# its privilege-separated keys: "SSL routines::EVP lib", OpenSMTPD issues #1171, #1239),
	# and it offers AUTH only over TLS. So it listens in plain text only; TLS and AUTH are
	# tested against Dovecot's submission service above, which relays here.
	printf '@ dovecot\n' >"$d/smtpd/vusers"
	cat >"$d/smtpd/smtpd.conf" <<EOF
# Written by tests/servers/start for one test run.
table vusers file:$d/smtpd/vusers
listen on 127.0.0.1 port $smtp hostname localhost
action "dovecot" lmtp "127.0.0.1:$lmtp" rcpt-to virtual <vusers>
match from any for rcpt-to "$REJECT_RCPT" reject
match from any for any action "dovecot"
EOF

	{
		echo "SERVERS_DIR=$d"
		echo "DOMAIN=$DOMAIN"
		echo "HOST=127.0.0.1"
		echo "IMAP_PORT=$imap"
		echo "IMAPS_PORT=$imaps"
		echo "IMAPS_UNTRUSTED_HOST=127.0.0.2"
		echo "IMAPS_UNTRUSTED_PORT=$untrusted"
		echo "IMAPS_WRONGNAME_HOST=127.0.0.3"
		echo "IMAPS_WRONGNAME_PORT=$wrongname"
		echo "LMTP_PORT=$lmtp"
		echo "SMTP_PORT=$smtp"
		echo "SUBMISSION_PORT=$sub"
		echo "SUBMISSIONS_PORT=$subs"
		echo "SUBMISSIONS_UNTRUSTED_HOST=127.0.0.2"
		echo "SUBMISSIONS_UNTRUSTED_PORT=$subs_untrusted"
		echo "REJECT_RCPT=$REJECT_RCPT"
		echo "CA_FILE=$t/ca.pem"
		echo "UNTRUSTED_CA_FILE=$t/untrusted.pem"
		echo "USERS=\"$USERS\""
		for u in $USERS; do
			echo "PASSWORD_$u=test-password-$u"
			echo "PASSWORD_FILE_$u=$d/secrets/$u.password"
		done
		echo "MAIL_DIR=$d/mail"
		echo "SIEVE_DIR=$d/sieve"
		echo "DOVECOT_CONF=$d/dovecot/dovecot.conf"
		echo "DOVECOT_LOG=$d/dovecot/dovecot.log"
		echo "SMTPD_CONF=$d/smtpd/smtpd.conf"
		echo "SMTPD_LOG=$d/smtpd/smtpd.log"
	} >"$d/env.tmp"
	mv "$d/env.tmp" "$d/env"
}

start_dovecot() {
	local d=$1
	if alive "$(cat "$d/dovecot/run/master.pid" 2>/dev/null)"; then
		return 0
	fi
	rm -f "$d/dovecot/run/master.pid"
	dovecot -c "$d/dovecot/dovecot.conf" </dev/null >>"$d/dovecot/start.log" 2>&1 ||
		{ cat "$d/dovecot/start.log" >&2; die "dovecot did not start"; }
	for p in "127.0.0.1 $IMAP_PORT" "127.0.0.1 $IMAPS_PORT" "127.0.0.2 $IMAPS_UNTRUSTED_PORT" \
		"127.0.0.3 $IMAPS_WRONGNAME_PORT" "127.0.0.1 $LMTP_PORT" "127.0.0.1 $SUBMISSION_PORT" \
		"127.0.0.1 $SUBMISSIONS_PORT" "127.0.0.2 $SUBMISSIONS_UNTRUSTED_PORT"; do
		wait_port $p 10 || { tail -n 20 "$DOVECOT_LOG" >&2; die "dovecot not listening on $p"; }
	done
}

# OpenSMTPD's queue (/var/spool/smtpd) and control socket (/run/smtpd.sock) are compiled in.
# In a private mount namespace DIR's folders are mounted over them, so several instances can
# run at once and nothing is left behind on the host. Without unshare(1) rights it falls back
# to the real paths: one instance at a time.
start_smtpd() {
	local d=$1 pid
	if alive "$(cat "$d/smtpd/smtpd.pid" 2>/dev/null)"; then
		return 0
	fi
	if unshare -m true 2>/dev/null; then
		setsid unshare -m sh -c 'mount --bind "$1" /var/spool && mount --bind "$2" /run &&
			exec smtpd -d -f "$3"' sh "$d/smtpd/spool" "$d/smtpd/run" "$d/smtpd/smtpd.conf" \
			</dev/null >>"$SMTPD_LOG" 2>&1 &
	else
		setsid smtpd -d -f "$d/smtpd/smtpd.conf" </dev/null >>"$SMTPD_LOG" 2>&1 &
	fi
	pid=$!
	echo "$pid" >"$d/smtpd/smtpd.pid"
	if ! wait_port 127.0.0.1 "$SMTP_PORT" 10; then
		tail -n 20 "$SMTPD_LOG" >&2
		die "smtpd not listening on port $SMTP_PORT"
	fi
}

stop_dovecot() {
	local d=$1 pid
	pid=$(cat "$d/dovecot/run/master.pid" 2>/dev/null || true)
	stop_pid "$pid"
	rm -f "$d/dovecot/run/master.pid"
}

stop_smtpd() {
	local d=$1 pid
	pid=$(cat "$d/smtpd/smtpd.pid" 2>/dev/null || true)
	stop_pid "$pid"
	rm -f "$d/smtpd/smtpd.pid"
}
