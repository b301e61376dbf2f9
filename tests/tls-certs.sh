#!/bin/sh
# tls-certs.sh - make the certificates the TLS tests use, in a directory.
#
# Copyright (c) 2026 The libsock authors
# SPDX-License-Identifier: MIT
#
# usage: tls-certs.sh DIR
#
# Nothing here is ever committed: every run makes fresh keys (EC P-256,
# quick to make) and certificates in DIR, which must exist:
#
#   ca.crt ca.key            the test CA
#   other-ca.crt other-ca.key  a second CA, unrelated to the first
#   server.crt server.key    DNS:localhost, IP:127.0.0.1, IP:::1 from the
#                            CA; server.crt holds the leaf, then ca.crt
#   other.crt other.key      DNS:other.localhost from the CA (for SNI)
#   wrong.crt wrong.key      DNS:wrong.example from the CA (no IP names)
#   expired.crt expired.key  localhost from the CA, expired in 2020
#   self.crt self.key        localhost, self-signed
#   client.crt client.key    a client certificate from the CA
#   server.fp                what "openssl x509 -noout -fingerprint
#                            -sha256" says of server.crt
#
# $OPENSSL names the openssl command (default: openssl).  Exits 77 when
# it is not installed, 1 on any other failure.

set -u

openssl=${OPENSSL:-openssl}

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
	echo "usage: tls-certs.sh DIR (an existing directory)" >&2
	exit 2
fi
if ! command -v "$openssl" >/dev/null 2>&1; then
	echo "tls-certs.sh: $openssl is not installed" >&2
	exit 77
fi
cd "$1" || exit 1

fail() {
	echo "tls-certs.sh: $*" >&2
	[ -s log ] && cat log >&2
	exit 1
}

# run COMMAND...: openssl's chatter goes to "log", shown on failure only.
run() {
	"$openssl" "$@" >log 2>&1 || fail "openssl $1 failed"
}

# Our own configuration: the system's openssl.cnf may add extensions or
# settings of its own to what "req" makes.
cat >openssl.cnf <<'EOF'
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ server ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = $ENV::SAN
[ client ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ self ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyCertSign
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
subjectAltName = DNS:localhost, IP:127.0.0.1
[ ca ]
default_ca = expiring
[ expiring ]
database = ca.db
new_certs_dir = .
serial = ca.serial
default_md = sha256
policy = anything
unique_subject = no
[ anything ]
commonName = supplied
EOF
OPENSSL_CONF=$PWD/openssl.cnf
SAN=DNS:unused
export OPENSSL_CONF SAN

key() {
	run genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$1.key"
}

# ca NAME CN: a self-signed CA, valid ten years.
ca() {
	key "$1"
	run req -new -x509 -config openssl.cnf -extensions v3_ca \
	    -key "$1.key" -subj "/CN=$2" -days 3650 -sha256 -out "$1.crt"
}

# leaf NAME CN SECTION [SAN]: a certificate from the CA, valid one year.
leaf() {
	key "$1"
	run req -new -config openssl.cnf -key "$1.key" -subj "/CN=$2" \
	    -out "$1.csr"
	SAN=${4:-DNS:unused}
	run x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key \
	    -CAcreateserial -CAserial ca.srl -days 365 -sha256 \
	    -extfile openssl.cnf -extensions "$3" -out "$1.crt"
}

ca ca "libsock test CA"
ca other-ca "libsock other CA"

leaf server localhost server "DNS:localhost, IP:127.0.0.1, IP:::1"
"$openssl" x509 -noout -fingerprint -sha256 -in server.crt >server.fp \
    2>log || fail "cannot take the fingerprint of server.crt"
cat ca.crt >>server.crt || fail "cannot append the chain"
leaf other other.localhost server "DNS:other.localhost"
leaf wrong wrong.example server "DNS:wrong.example"
leaf client "libsock test client" client

# Expired: "x509 -req" of OpenSSL 3.0 cannot date a certificate in the
# past; newer ones can (-not_before/-not_after), "ca" always could.
key expired
run req -new -config openssl.cnf -key expired.key -subj /CN=localhost \
    -out expired.csr
SAN="DNS:localhost, IP:127.0.0.1, IP:::1"
if "$openssl" x509 -help 2>&1 | grep -q -e '-not_before'; then
	run x509 -req -in expired.csr -CA ca.crt -CAkey ca.key \
	    -CAserial ca.srl -sha256 -not_before 20200101000000Z \
	    -not_after 20200102000000Z -extfile openssl.cnf \
	    -extensions server -out expired.crt
else
	: >ca.db
	echo 01 >ca.serial
	run ca -batch -config openssl.cnf -cert ca.crt -keyfile ca.key \
	    -in expired.csr -startdate 200101000000Z \
	    -enddate 200102000000Z -extfile openssl.cnf \
	    -extensions server -notext -out expired.crt
fi

key self
run req -new -x509 -config openssl.cnf -extensions self -key self.key \
    -subj /CN=localhost -days 365 -sha256 -out self.crt

for f in ca other-ca server other wrong client expired self; do
	if [ ! -s "$f.crt" ] || [ ! -s "$f.key" ]; then
		fail "$f.crt or $f.key missing"
	fi
done
rm -f ./*.csr ca.db* ca.serial* ca.srl log ./*.pem openssl.cnf
exit 0
