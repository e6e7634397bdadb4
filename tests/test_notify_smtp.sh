#!/bin/bash
# E-mail pages through an authenticating, encrypting SMTP server: the
# notifier (tests/notify_drive) against the project's SMTP sink
# (tests/lib/smtp_sink.py) with AUTH and TLS on loopback.
#   - AUTH PLAIN and AUTH LOGIN carry smtp_user and the first line of the
#     0600 smtp_password_file; a password file readable by others is
#     refused;
#   - a wrong password: 535, the page stays spooled and is retried (the
#     reason logged) and goes out once the password is right;
#   - smtps:// verifies the server: a certificate from an unknown CA is
#     refused; with the test's own CA trusted it is delivered over TLS;
#   - smtp_starttls yes upgrades before AUTH.
# drover has no key for a private CA and libcurl ignores CURL_CA_BUNDLE /
# SSL_CERT_FILE, so "trusted" means the system store: the delivering
# driver runs in a private mount namespace (unshare -m, root) where
# /etc/ssl/certs holds only the test's CA.  The host's store is untouched.
. "$(dirname "$0")/lib/common.sh"
DRIVE=$top_builddir/tests/notify_drive
[ -x "$DRIVE" ] || fail "no $DRIVE (make check builds it)"
need "$PY" python3
need unshare util-linux
SINK=$top_srcdir/tests/lib/smtp_sink.py
PW='c0rrect horse:battery'

# ---- certificates: the test's own CA and the sink's certificate for
# 127.0.0.1, from tests/fixtures/tls (gen.sh there makes new ones)
TLS=$top_srcdir/tests/fixtures/tls
mkdir "$T/store"
cp "$TLS/ca.pem" "$T/store/ca-certificates.crt"

# trusted CMD...: CMD with only the test's CA in the system trust store
# (libcurl's CA bundle and path are in it; the directory comes with the
# package openssl, which the README's packages depend on)
CERTS=/etc/ssl/certs
[ -d "$CERTS" ] || fail "no $CERTS: install the Debian package openssl"
trusted() {
	unshare -m --propagation private \
		sh -c 'mount --bind "$0" "$1" && shift && exec "$@"' "$T/store" "$CERTS" "$@"
}

# start_smtp NAME [VAR=VALUE...]: a sink storing into $T/NAME; sets PORT, PID
start_smtp() {
	local name=$1
	shift
	start_bg "$T/$name.out" env "$@" "$PY" "$SINK" 0 "$T/$name"
	wait_for_file "$T/$name.out" 60 || fail "$name sink did not start"
	PORT=$(head -1 "$T/$name.out")
	PID=$LAST_PID
}

# conf FILE URL [EXTRA-LINE...]
conf() {
	local f=$1 url=$2
	shift 2
	{
		echo "local_node no"
		echo "smtp_url $url"
		echo "smtp_from drover@example.org"
		echo "smtp_user alice"
		echo "smtp_password_file $T/pw"
		echo "notify_group_window 0"
		echo "notify_retry_min 1"
		echo "notify_retry_max 1"
		echo "contact.ops.email ops@example.org"
		for l in "$@"; do echo "$l"; done
	} >"$f"
}

ev() { printf '%s\tipmi_volts\tv12\t12V rail\tV\tCRITICAL\tOK\t10.9\t%s\n' "$1" "$2"; }

# stats NAME EXPR: a Python expression over the driver's final stats (j)
stats() {
	tail -1 "$T/$1.out" >"$T/$1.json"
	json_get "$T/$1.json" "$2"
}

# auths DIR: the sink's AUTH attempts, one "mech user password tls ok" a line
auths() {
	[ -f "$1/events.jsonl" ] || return 0
	$PY -c 'import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event"] == "auth":
        print(e["mech"], e["user"], repr(e["password"]), e["tls"], e["ok"])' "$1/events.jsonl"
}

printf '%s\n' "$PW" >"$T/pw"
chmod 600 "$T/pw"

# ---- 1. AUTH PLAIN, then AUTH LOGIN, with the password file's first line
for mech in PLAIN LOGIN; do
	start_smtp "m$mech" SMTP_AUTH="alice:$PW" SMTP_AUTH_MECHS="$mech"
	conf "$T/$mech.conf" "smtp://127.0.0.1:$PORT"
	ev "a$mech" "auth-$mech" >"$T/$mech.ev"
	"$DRIVE" "$T/$mech.conf" "$T/spool-$mech" "$T/$mech.ev" 60 >"$T/$mech.out" 2>&1 ||
		fail "AUTH $mech: not delivered: $(cat "$T/$mech.out")"
	[ "$(auths "$T/m$mech")" = "$mech alice '$PW' False True" ] ||
		fail "AUTH $mech: $(auths "$T/m$mech")"
	[ "$(json_get "$T/m$mech/0001.json" 'j["user"], j["rcpt"]')" = "('alice', ['<ops@example.org>'])" ] ||
		fail "AUTH $mech: envelope $(cat "$T/m$mech/0001.json")"
	grep -q "^X-Drover-Dedupe-Key: auth-$mech" "$T/m$mech/0001.eml" || fail "AUTH $mech: wrong mail"
	[ "$(stats "$mech" 'j["pages"], j["failed"]')" = "(1, 0)" ] || fail "AUTH $mech: $(cat "$T/$mech.json")"
	stop_pid "$PID" || fail "smtp sink exited $?"
done
note "AUTH PLAIN and LOGIN: smtp_user and the password file's first line"

# ---- 2. a password file others can read is refused at start -------------
chmod 644 "$T/pw"
"$DRIVE" "$T/PLAIN.conf" "$T/spool-mode" - 60 >"$T/mode.out" 2>&1
RC=$?
[ "$RC" = 2 ] || fail "password file 0644: driver exit $RC: $(cat "$T/mode.out")"
grep -q "smtp_password_file: $T/pw is readable by group or others" "$T/mode.out" ||
	fail "not logged: $(cat "$T/mode.out")"
chmod 600 "$T/pw"
note "smtp_password_file readable by others: refused"

# ---- 3. wrong password: 535, kept and retried, then delivered ------------
start_smtp wrong SMTP_AUTH="alice:$PW"
WP=$PORT
WPID=$PID
printf 'not-the-password\n' >"$T/pw"
conf "$T/wrong.conf" "smtp://127.0.0.1:$WP"
ev kvm-w wrong-1 >"$T/wrong.ev"
"$DRIVE" "$T/wrong.conf" "$T/spool-wrong" "$T/wrong.ev" 60 failed=2 >"$T/wrong.out" 2>&1 ||
	fail "wrong password: no 2 failed attempts: $(cat "$T/wrong.out")"
[ "$(stats wrong 'j["pages"], j["queued"]')" = "(0, 1)" ] || fail "wrong password: $(cat "$T/wrong.json")"
grep -q "attempt 2 for kvm-w failed: Login denied" "$T/wrong.out" ||
	fail "wrong password: reason not logged: $(cat "$T/wrong.out")"
grep -q "warning: notify: email ops: delivery for kvm-w failed (Login denied)" "$T/wrong.out" ||
	fail "wrong password: no warning: $(cat "$T/wrong.out")"
A=$(auths "$T/wrong")
[ "$(echo "$A" | grep -c "^PLAIN alice 'not-the-password' False False$")" -ge 2 ] ||
	fail "wrong password: sink saw $A"
ls "$T/wrong"/*.eml >/dev/null 2>&1 && fail "wrong password: mail accepted"
ls "$T/spool-wrong" | grep -q '\.page$' || fail "wrong password: page not spooled"
printf '%s\n' "$PW" >"$T/pw"
"$DRIVE" "$T/wrong.conf" "$T/spool-wrong" - 60 >"$T/right.out" 2>&1 ||
	fail "right password: spooled page not delivered: $(cat "$T/right.out")"
[ "$(stats right 'j["pages"], j["queued"]')" = "(1, 0)" ] || fail "right password: $(cat "$T/right.json")"
grep -q '^X-Drover-Dedupe-Key: wrong-1' "$T/wrong/0001.eml" || fail "right password: wrong mail"
[ "$(auths "$T/wrong" | tail -1)" = "PLAIN alice '$PW' False True" ] || fail "right password: $(auths "$T/wrong")"
stop_pid "$WPID" || fail "smtp sink exited $?"
note "wrong password: 535, spooled and retried ($(echo "$A" | wc -l) attempts), delivered once right"

# ---- 4. smtps://: an unknown CA is refused; the test's CA works ----------
start_smtp tls SMTP_TLS=implicit SMTP_CERT="$TLS/srv.chain" SMTP_AUTH="alice:$PW"
TPID=$PID
conf "$T/tls.conf" "smtps://127.0.0.1:$PORT"
ev kvm-t tls-1 >"$T/tls.ev"
"$DRIVE" "$T/tls.conf" "$T/spool-tls" "$T/tls.ev" 60 failed=1 >"$T/untrusted.out" 2>&1 ||
	fail "smtps, unknown CA: no failed attempt: $(cat "$T/untrusted.out")"
[ "$(stats untrusted 'j["pages"], j["queued"]')" = "(0, 1)" ] || fail "smtps, unknown CA: sent"
grep -q "attempt 1 for kvm-t failed: SSL certificate problem" "$T/untrusted.out" ||
	fail "smtps, unknown CA: reason: $(cat "$T/untrusted.out")"
grep -q '"tls_error"' "$T/tls/events.jsonl" || fail "smtps, unknown CA: no handshake failure at the sink"
[ -z "$(auths "$T/tls")" ] || fail "smtps, unknown CA: credentials sent: $(auths "$T/tls")"
trusted "$DRIVE" "$T/tls.conf" "$T/spool-tls" - 60 >"$T/trusted.out" 2>&1 ||
	fail "smtps, test CA trusted: not delivered: $(cat "$T/trusted.out")"
[ "$(stats trusted 'j["pages"], j["queued"]')" = "(1, 0)" ] || fail "smtps: $(cat "$T/trusted.json")"
[ "$(json_get "$T/tls/0001.json" 'j["tls"], j["user"]')" = "(True, 'alice')" ] ||
	fail "smtps: envelope $(cat "$T/tls/0001.json")"
[ "$(auths "$T/tls")" = "PLAIN alice '$PW' True True" ] || fail "smtps: $(auths "$T/tls")"
grep -q '^X-Drover-Dedupe-Key: tls-1' "$T/tls/0001.eml" || fail "smtps: wrong mail"
stop_pid "$TPID" || fail "smtp sink exited $?"
note "smtps://: unknown CA refused, credentials withheld; the test's CA: delivered over TLS"

# ---- 5. smtp_starttls yes: upgrade, then AUTH, then the mail -------------
start_smtp stls SMTP_TLS=starttls SMTP_CERT="$TLS/srv.chain" SMTP_AUTH="alice:$PW"
SPID=$PID
conf "$T/stls.conf" "smtp://127.0.0.1:$PORT" "smtp_starttls yes"
ev kvm-s stls-1 >"$T/stls.ev"
trusted "$DRIVE" "$T/stls.conf" "$T/spool-stls" "$T/stls.ev" 60 >"$T/stls.out" 2>&1 ||
	fail "STARTTLS: not delivered: $(cat "$T/stls.out")"
[ "$(json_get "$T/stls/0001.json" 'j["tls"], j["user"]')" = "(True, 'alice')" ] ||
	fail "STARTTLS: envelope $(cat "$T/stls/0001.json")"
[ "$(auths "$T/stls")" = "PLAIN alice '$PW' True True" ] || fail "STARTTLS: AUTH before TLS: $(auths "$T/stls")"
stop_pid "$SPID" || fail "smtp sink exited $?"
note "smtp_starttls yes: STARTTLS, AUTH inside TLS, delivered"
exit 0
