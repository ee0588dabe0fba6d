//! [`RunFlags`]: the flags every certificate of a run shares, given with
//! the domain on the command line or with `--config FILE`.

use super::DEFAULT_TIMEOUT;
use crate::error::Error;
use crate::flows::caller::ChallengeType;
use acmebox_config::csr::{KeyUsages, Subject, TlsFeatures};
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Flags that apply to every certificate of a run: given with the domain on
/// the command line, or with `--config FILE` to each of its domains.
#[derive(Args, Debug, Clone)]
pub struct RunFlags {
    /// Force updating the certificate even if it has more than --min-days
    /// days left.
    #[arg(short = 'F')]
    pub force: bool,
    /// Create the account key (--key-type, mode 0600) if it does not exist.
    #[arg(short = 'n')]
    pub new_account_key: bool,
    /// Create the domain key (--key-type, mode 0600) if it does not exist.
    #[arg(short = 'N')]
    pub new_domain_key: bool,
    /// Log each step to standard error; twice (-vv), also each ACME request
    /// and response (method, URL, status, Replay-Nonce, problem type).
    #[arg(short = 'v', action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Allow expanding the certificate: a requested name it lacks renews it
    /// as if -F (without -e, such a name is an error); a no-op when there is
    /// no certificate yet.
    #[arg(short = 'e')]
    pub expand: bool,
    /// The terms of service you agreed to: when the server's directory names
    /// other terms (or none), stop, printing both [default: agree to the
    /// directory's].
    #[arg(short = 'a', value_name = "agreement")]
    pub agreement: Option<String>,
    /// Use this challenge type (http-01, dns-01) and let the caller handle
    /// it: for each name, write "challenge-type dns-domain token.thumbprint"
    /// to standard output, then wait for the same line on standard input
    /// before the CA is told to check. -C is ignored. Wildcard names
    /// (*.example.com) need -t dns-01.
    #[arg(short = 't', value_name = "challenge")]
    pub challenge_type: Option<ChallengeType>,
    /// Answer http-01 challenges with the built-in responder, listening on
    /// this address and port (IPv4 0.0.0.0:80, IPv6 [::]:80; repeatable, at
    /// most 8) instead of writing token files: -C is ignored. The port must
    /// be the one the CA connects to (80) or forwarded to it. Not with -t.
    #[arg(long = "http-listen", value_name = "ADDR:PORT", conflicts_with = "challenge_type",
          value_parser = crate::validate::listen_address)]
    pub http_listen: Vec<SocketAddr>,
    /// Trust the system's CA bundle (the first of /etc/ssl/certs/ca-certificates.crt,
    /// /etc/pki/tls/certs/ca-bundle.crt, /etc/ssl/cert.pem, /etc/ssl/ca-bundle.pem)
    /// instead of the built-in web PKI roots.
    #[arg(long, conflicts_with = "ca_file")]
    pub system_roots: bool,
    /// Reach the ACME server through this HTTP CONNECT proxy (http://host:port);
    /// TLS still runs end to end with the server [default: HTTPS_PROXY unless
    /// NO_PROXY covers the server's host].
    #[arg(long, value_name = "URL")]
    pub proxy: Option<String>,
    /// Give up on the whole run after this many seconds, as lacme does
    /// (each HTTP request may take 30 s, or half of this if that is
    /// shorter; retries and polls never wait past it).
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_TIMEOUT,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub timeout: u64,
    /// Back up cert.pem, chain.pem and fullchain.pem as cert-EPOCH.pem,
    /// chain-EPOCH.pem and fullchain-EPOCH.pem before replacing (or with -r
    /// removing) them.
    #[arg(short = 'b')]
    pub backup: bool,
    /// Ask for OCSP must-staple (RFC 7633) in the certificate request.
    /// Let's Encrypt no longer accepts it (it refuses such orders since 2025).
    #[arg(short = 'O')]
    pub must_staple: bool,
    /// With several certificates (acme-client.conf's domain blocks), process
    /// at most this many at once (with -t, one at a time).
    #[arg(long, value_name = "N", default_value_t = crate::flows::batch::DEFAULT_JOBS as u64,
          value_parser = clap::value_parser!(u64).range(1..=64))]
    pub jobs: u64,
    /// Renew a certificate when N days or fewer are left (1 to 366; a
    /// domain's `min-days` wins). A certificate valid for 10 days or less
    /// renews at half its lifetime whatever N.
    #[arg(long, value_name = "N", default_value_t = u64::from(crate::fresh::DEFAULT_MIN_DAYS),
          value_parser = clap::value_parser!(u64).range(1..=u64::from(acmebox_config::MAX_MIN_DAYS)))]
    pub min_days: u64,
    /// After a new certificate is installed (exit 0), run CMD with /bin/sh -c,
    /// ACMEBOX_DOMAIN, ACMEBOX_CERT, ACMEBOX_CHAIN and ACMEBOX_FULLCHAIN in
    /// its environment; never when up to date or on failure. Its failure
    /// makes the exit status 1 but keeps the certificate (a domain's
    /// `notify` wins).
    #[arg(long, value_name = "CMD")]
    pub notify: Option<String>,
    /// The mode of the installed files (and backups), octal: read bits only,
    /// the owner's included (0400, 0440, 0404, 0444); set before they are
    /// installed. Unix only. A domain's `chmod` wins [default: 0444].
    #[arg(long, value_name = "MODE", value_parser = crate::validate::cert_mode)]
    pub chmod: Option<u32>,
    /// The owner of the installed files (and backups): USER or USER:GROUP,
    /// names (from /etc/passwd, /etc/group) or numeric ids; set before they
    /// are installed, and tried in preflight (not permitted: exit 1 before
    /// the CA is contacted, nothing installed). Unix only.
    /// A domain's `chown` wins [default: unchanged].
    #[arg(long, value_name = "USER[:GROUP]")]
    pub chown: Option<String>,
    /// Sign with the account key of the `acmebox accountd` listening on this
    /// Unix socket instead of reading -f (docs/ACCOUNTD.md).
    #[arg(long, value_name = "PATH", conflicts_with_all = ["account_command", "new_account_key"])]
    pub account_socket: Option<PathBuf>,
    /// Sign with the account key of an accountd spoken to on the standard
    /// input and output of CMD, split on whitespace and run without a shell
    /// (e.g. "ssh -T signer acmebox accountd --stdio -f KEY"); its standard
    /// error is acmebox's.
    #[arg(long, value_name = "CMD", conflicts_with = "new_account_key")]
    pub account_command: Option<String>,
    /// The certificate request's subject, as lacme writes it:
    /// /TYPE=VALUE/TYPE=VALUE..., TYPE one of CN, O, OU, C, ST, L,
    /// emailAddress, serialNumber (each once; C two letters; a CN one of the
    /// names); '\' escapes the next character ('\/' for a slash). "/" is an
    /// empty subject. A domain's `subject` wins [default: CN=domain].
    #[arg(long, value_name = "DN")]
    pub subject: Option<Subject>,
    /// Ask for a critical keyUsage extension (RFC 5280) in the certificate
    /// request, comma-separated: digitalSignature, nonRepudiation,
    /// keyEncipherment, dataEncipherment, keyAgreement, keyCertSign,
    /// cRLSign, encipherOnly, decipherOnly. The CA decides what the
    /// certificate gets. A domain's `key usage` wins.
    #[arg(long, value_name = "LIST")]
    pub key_usage: Option<KeyUsages>,
    /// Ask for a TLS Feature extension (RFC 7633) in the certificate
    /// request, comma-separated: status_request (OCSP must-staple, as -O;
    /// Let's Encrypt refuses it), status_request_v2. With -O,
    /// status_request is added once. A domain's `tls feature` wins.
    #[arg(long, value_name = "LIST")]
    pub tls_feature: Option<TlsFeatures>,
    /// After issuance, the downloaded chain must lead to one of the PEM
    /// certificates in FILE (lacme's CAfile), else nothing is installed
    /// (exit 1); an installed certificate whose chain does not is renewed.
    /// A domain's `verify with` wins.
    #[arg(long, value_name = "FILE")]
    pub verify_with: Option<PathBuf>,
    /// Of the chains the CA offers (the one it serves and those it links as
    /// alternates, RFC 8555 §7.4.2), install the one whose topmost
    /// certificate is issued by NAME, its issuer's common name (e.g. "ISRG
    /// Root X1"); when none is, the one it serves.
    #[arg(long, value_name = "NAME")]
    pub preferred_chain: Option<String>,
    /// Ask for this certificate profile in each new order
    /// (draft-ietf-acme-profiles; Let's Encrypt's "classic", "tlsserver",
    /// "shortlived" for 6-day certificates); the server must advertise it in
    /// its directory, else exit 1 listing the profiles it offers.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Machine-readable standard output: one JSON object per certificate,
    /// one line each, also when it fails (docs/JSON.md; not with -t, whose
    /// lines use standard output). With `grants`: the grants as JSON
    /// (docs/GRANTS.md).
    #[arg(long)]
    pub json: bool,
}

impl RunFlags {
    /// `--json` and `-t` both write to standard output (JSON lines; the
    /// challenge lines a caller reads and answers), so a certificate run
    /// refuses the two together: a usage error. (`grants` takes both: it
    /// prints the grants and runs nothing.)
    pub fn check_stdout(&self) -> Result<(), Error> {
        match (self.json, self.challenge_type) {
            (true, Some(kind)) => Err(Error::Usage(format!(
                "--json and -t {} both write to standard output (JSON lines; the challenge \
                 lines the caller answers): give one of them",
                kind.as_str()
            ))),
            _ => Ok(()),
        }
    }
}
