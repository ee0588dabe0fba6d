//! The command line of acme-client(1), plus `--directory`, `--ca-file`,
//! `--system-roots`, `--proxy` and `--timeout`, and the host's environment
//! (`HTTPS_PROXY`, `NO_PROXY`, `SSL_CERT_FILE`: proxy.rs), turned into
//! validated [`Options`].

use crate::certfiles::CertFiles;
use crate::error::Error;
use crate::flows::caller::ChallengeType;
use crate::key_type::KeyType;
use crate::proxy::{self, Env, ProxyChoice};
use crate::trust::Trust;
use crate::validate;
use acmebox_config::csr::{KeyUsages, Subject, TlsFeature, TlsFeatures};
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Let's Encrypt's production directory, the default server.
pub const LETSENCRYPT: &str = "https://acme-v02.api.letsencrypt.org/directory";
/// Let's Encrypt's staging directory, selected by `-s`.
pub const LETSENCRYPT_STAGING: &str = "https://acme-staging-v02.api.letsencrypt.org/directory";
/// The most addresses `--http-listen` may give: a listener costs the
/// responder host handles, and two (IPv4 and IPv6) are the usual need.
pub const MAX_HTTP_LISTEN: usize = 8;
/// `--timeout`'s default, in seconds: lacme's. Long enough for a CA's
/// validation and a few retries (flows/retry.rs), short enough that a cron
/// run against a CA having a bad day ends with a line rather than hanging.
pub const DEFAULT_TIMEOUT: u64 = 120;

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

/// Flags and operands shared by issuance and `acmebox grants`.
#[derive(Args, Debug, Clone)]
pub struct IssueArgs {
    /// Flags that also apply with `--config`.
    #[command(flatten)]
    pub run: RunFlags,
    /// Use Let's Encrypt's staging server.
    #[arg(short = 's', conflicts_with = "directory")]
    pub staging: bool,
    /// Append the domain to every default path not given (-c, -k, -f; not
    /// -C), creating missing directories (key directories mode 0700).
    #[arg(short = 'm')]
    pub multidir: bool,
    /// Where http-01 token files are written (ignored with -t and
    /// --http-listen).
    #[arg(
        short = 'C',
        value_name = "challengedir",
        default_value = "/var/www/acme"
    )]
    pub challenge_dir: PathBuf,
    /// Where cert.pem, chain.pem and fullchain.pem are written [default:
    /// /etc/ssl/acme; with -m, /etc/ssl/acme/DOMAIN].
    #[arg(short = 'c', value_name = "certdir")]
    pub cert_dir: Option<PathBuf>,
    /// The account private key (PEM: RSA or EC, PKCS#1, PKCS#8 or SEC1)
    /// [default: /etc/acme/privkey.pem; with -m, /etc/acme/DOMAIN/privkey.pem].
    #[arg(short = 'f', value_name = "accountkey",
          conflicts_with_all = ["account_socket", "account_command"])]
    pub account_key: Option<PathBuf>,
    /// The domain private key (PEM: RSA or EC, PKCS#1, PKCS#8 or SEC1)
    /// [default: /etc/ssl/acme/private/privkey.pem; with -m,
    /// /etc/ssl/acme/private/DOMAIN/privkey.pem].
    #[arg(short = 'k', value_name = "domainkey")]
    pub domain_key: Option<PathBuf>,
    /// ACME directory URL (https) [default: Let's Encrypt production].
    #[arg(long, value_name = "URL")]
    pub directory: Option<String>,
    /// PEM trust anchors for the ACME server's TLS certificate. They replace
    /// the built-in web PKI roots (a private CA such as pebble's).
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Revoke the certificate in cert.pem (signed with the account key), then
    /// remove cert.pem, chain.pem and fullchain.pem; nothing is issued.
    #[arg(short = 'r')]
    pub revoke: bool,
    /// With -r: the RFC 5280 reason, by code or name: 0 unspecified,
    /// 1 keyCompromise, 3 affiliationChanged, 4 superseded,
    /// 5 cessationOfOperation, 9 privilegeWithdrawn [default: none sent].
    #[arg(long, value_name = "CODE", requires = "revoke",
          value_parser = crate::reason::parse)]
    pub reason: Option<u8>,
    /// With -r: sign the revocation with the certificate's own key (-k)
    /// instead of the account key; no account is looked up.
    #[arg(long, requires = "revoke",
          conflicts_with_all = ["account_socket", "account_command"])]
    pub revoke_with_domain_key: bool,
    /// The type of key -n and -N create (acme-client's is RSA 4096; acmebox
    /// defaults to P-256, see the README). Existing keys are read whatever their type.
    #[arg(long, value_enum, value_name = "TYPE", default_value_t = KeyType::P256,
          conflicts_with_all = ["account_socket", "account_command"])]
    pub key_type: KeyType,
    /// The domain name: the certificate's CN and first SAN.
    pub domain: String,
    /// More names for the certificate's subjectAltName.
    pub altnames: Vec<String>,
}

/// `acmebox accountd`: the account stage alone, answering signature
/// requests (docs/ACCOUNTD.md).
#[derive(Args, Debug, Clone)]
pub struct AccountdArgs {
    /// Listen on this Unix socket, created mode 0600; refused if the path
    /// exists or its directory is writable by group or others. Removed on
    /// SIGINT and SIGTERM.
    #[arg(
        long,
        value_name = "PATH",
        required_unless_present = "stdio",
        conflicts_with = "stdio"
    )]
    pub socket: Option<PathBuf>,
    /// Answer one session on standard input and output, then exit when
    /// standard input closes (for --account-command, e.g. through ssh -T).
    #[arg(long)]
    pub stdio: bool,
    /// The account private key (PEM: RSA or EC, PKCS#1, PKCS#8 or SEC1)
    /// [default: /etc/acme/privkey.pem].
    #[arg(short = 'f', value_name = "accountkey")]
    pub account_key: Option<PathBuf>,
    /// Create the account key (--key-type, mode 0600) if it does not exist.
    #[arg(short = 'n')]
    pub new_account_key: bool,
    /// The type of key -n creates.
    #[arg(long, value_enum, value_name = "TYPE", default_value_t = KeyType::P256)]
    pub key_type: KeyType,
    /// Sign no request that creates, updates, deactivates or re-keys an
    /// account: only what an issuance or revocation with an existing
    /// account needs (the client then finds the account with
    /// onlyReturnExisting).
    #[arg(long)]
    pub keyid_only: bool,
    /// Also log each connection opening and closing (each signature request
    /// is always logged, to standard error).
    #[arg(short = 'v', action = clap::ArgAction::Count)]
    pub verbose: u8,
}

impl AccountdArgs {
    /// The daemon's settings; an error names the argument that is wrong.
    pub fn settings(&self) -> Result<crate::accountd::daemon::Settings, Error> {
        use crate::accountd::daemon::{Listen, Settings};
        let key = self
            .account_key
            .clone()
            .unwrap_or_else(|| PathBuf::from(ETC_DIR).join(PRIVKEY_FILE));
        if key.file_name().is_none() {
            return Err(Error::Usage(format!(
                "-f {}: not a file path",
                key.display()
            )));
        }
        let listen = match &self.socket {
            Some(path) if path.file_name().is_none() => {
                return Err(Error::Usage(format!(
                    "--socket {}: not a file path",
                    path.display()
                )))
            }
            Some(path) => Listen::Socket(path.clone()),
            None => Listen::Stdio,
        };
        Ok(Settings {
            listen,
            key,
            create: self.new_account_key.then_some(self.key_type),
            keyid_only: self.keyid_only,
            verbose: self.verbose,
        })
    }
}

/// The ACME server: its directory URL and the origin the network grant allows.
#[derive(Clone, Debug)]
pub struct Server {
    /// The directory URL as given.
    pub url: String,
    /// Its host name (or IP literal, without brackets).
    pub host: String,
    /// Its port (443 unless given).
    pub port: u16,
}

/// acme-client's default certificate directory (`-c`).
pub const SSL_DIR: &str = "/etc/ssl/acme";
/// acme-client's default directory of the domain key (`-k`).
pub const SSL_PRIV_DIR: &str = "/etc/ssl/acme/private";
/// acme-client's default directory of the account key (`-f`).
pub const ETC_DIR: &str = "/etc/acme";
/// The file name of both default keys.
pub const PRIVKEY_FILE: &str = "privkey.pem";

/// A directory `-m` made part of a default path, created by the run when
/// missing ([`crate::multidir`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDir {
    /// The directory.
    pub path: PathBuf,
    /// Mode of the directories created: 0700 for key directories, 0755
    /// for the certificate directory.
    pub mode: u32,
}

/// Validated options of one invocation.
#[derive(Clone, Debug)]
pub struct Options {
    /// `-F`.
    pub force: bool,
    /// `-n`.
    pub new_account_key: bool,
    /// `-N`.
    pub new_domain_key: bool,
    /// `-e`.
    pub expand: bool,
    /// `-a`: the terms of service agreed to.
    pub agreement: Option<String>,
    /// Directories `-m` put into default paths, created when missing.
    pub new_dirs: Vec<NewDir>,
    /// `-v` count.
    pub verbose: u8,
    /// `-t`: the caller makes each challenge answerable (flows/caller.rs);
    /// `None`: the challenge stage writes http-01 token files in `-C`.
    pub challenge_type: Option<ChallengeType>,
    /// `-C` (not used with `-t` or `--http-listen`).
    pub challenge_dir: PathBuf,
    /// `--http-listen`: the responder stage answers http-01 on these
    /// addresses (flows/respond.rs); empty: token files in `-C`, or `-t`.
    pub http_listen: Vec<SocketAddr>,
    /// Where the certificate's files go: with `-c DIR`, DIR/cert.pem,
    /// DIR/chain.pem, DIR/fullchain.pem ([`CertFiles::in_dir`]).
    pub cert_files: CertFiles,
    /// `-f` (unused with [`Options::remote_signer`]).
    pub account_key: PathBuf,
    /// `--account-socket` or `--account-command`: the account key signs in
    /// an accountd, not in an account stage of this process.
    pub remote_signer: Option<crate::accountd::Endpoint>,
    /// `-k`.
    pub domain_key: PathBuf,
    /// The ACME server.
    pub server: Server,
    /// `--ca-file`.
    pub ca_file: Option<PathBuf>,
    /// The trust anchors: `--ca-file`, `--system-roots`, `SSL_CERT_FILE` or
    /// the stage's built-in roots.
    pub trust: Trust,
    /// `--proxy`, or `HTTPS_PROXY` unless `NO_PROXY` covers the server.
    pub proxy: ProxyChoice,
    /// `--timeout`.
    pub timeout: Duration,
    /// The certificate's names, lower-cased, `domain` first.
    pub names: Vec<String>,
    /// The account's contact URL, sent when it is registered
    /// (acme-client.conf's `contact`; none from the command line).
    pub contact: Option<String>,
    /// What `-n` creates (`--key-type`, or the configuration's `account
    /// key FILE TYPE`).
    pub account_key_type: KeyType,
    /// What `-N` creates (`--key-type`, or `domain key FILE TYPE`).
    pub domain_key_type: KeyType,
    /// `--subject` (or a domain's `subject`): the CSR's subject, its CN
    /// one of [`Options::names`]; `None`: CN = the first name, when it has
    /// at most 64 characters (RFC 5280's bound).
    pub subject: Option<Subject>,
    /// `--key-usage` (or a domain's `key usage`): a keyUsage extension in
    /// the CSR; `None`: none.
    pub key_usage: Option<KeyUsages>,
    /// `--tls-feature` (or a domain's `tls feature`), and status_request
    /// with `-O` (OCSP must-staple): a TLS Feature extension in the CSR
    /// when not empty.
    pub tls_features: TlsFeatures,
    /// `--verify-with` (or a domain's `verify with`): the PEM trust anchors
    /// the downloaded chain must lead to (anchors.rs).
    pub verify_with: Option<PathBuf>,
    /// `--preferred-chain`: the issuer common name of the topmost
    /// certificate of the chain to install, if the CA offers one
    /// (flows/chains.rs).
    pub preferred_chain: Option<String>,
    /// `--profile`: the profile each new order asks for.
    pub profile: Option<String>,
    /// `-r`, with `--reason` and `--revoke-with-domain-key`.
    pub revoke: Option<Revocation>,
    /// `-b`.
    pub backup: bool,
    /// `--jobs`: certificates processed at once in a batch (flows/batch.rs).
    pub jobs: usize,
    /// `--min-days` (or a domain's `min-days`): renew with this many days
    /// left or fewer (fresh.rs).
    pub min_days: u32,
    /// `--notify` (or a domain's `notify`): run after an install (notify.rs).
    pub notify: Option<String>,
    /// `--chmod` (or a domain's `chmod`), else 0444: the installed files'
    /// mode (certdir.rs `publish_mode`).
    pub chmod: u32,
    /// `--chown` (or a domain's `chown`), resolved: the installed files'
    /// owner; `None` leaves it (owner.rs).
    pub chown: Option<crate::owner::Owner>,
}

impl Options {
    /// The mode and owner the installed files get (certdir.rs `publish_as`).
    pub fn perms(&self) -> crate::owner::Perms {
        crate::owner::Perms {
            mode: self.chmod,
            owner: self.chown,
        }
    }
}

/// What `-r` asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revocation {
    /// `--reason`: the RFC 5280 reason code (crate::reason), if given.
    pub reason: Option<u8>,
    /// `--revoke-with-domain-key`: signed with the domain key (a JWS with
    /// `jwk`), not the account key.
    pub with_domain_key: bool,
}

impl Options {
    /// Check the arguments, ignoring the environment (as if `HTTPS_PROXY`,
    /// `NO_PROXY` and `SSL_CERT_FILE` were unset); an error names the
    /// argument that is wrong.
    pub fn from_args(args: &IssueArgs) -> Result<Options, Error> {
        Options::from_args_env(args, &Env::default())
    }

    /// Check the arguments and the host's environment variables `env`
    /// (acmebox passes [`Env::from_process`]); an error names the argument
    /// or variable that is wrong.
    pub fn from_args_env(args: &IssueArgs, env: &Env) -> Result<Options, Error> {
        let mut names: Vec<String> = Vec::new();
        for name in std::iter::once(&args.domain).chain(&args.altnames) {
            let name = match name.strip_prefix("*.") {
                Some(_) if args.run.challenge_type != Some(ChallengeType::Dns01) => {
                    return Err(Error::Usage(format!(
                        "invalid domain name {name:?}: a wildcard name needs -t dns-01 \
                         (a CA validates it only through DNS, RFC 8555 §7.1.3)"
                    )))
                }
                Some(_) => validate::wildcard_name(name),
                None => validate::dns_name(name),
            }
            .map_err(Error::Usage)?;
            if names.contains(&name) {
                return Err(Error::Usage(format!("name {name:?} is given twice")));
            }
            names.push(name);
        }
        let server = server(args.directory.as_deref(), args.staging)?;
        let (paths, mut new_dirs) = default_paths(args, &names[0]);
        for (flag, path) in [("-f", &paths.account_key), ("-k", &paths.domain_key)] {
            if path.file_name().is_none() {
                return Err(Error::Usage(format!(
                    "{flag} {}: not a file path",
                    path.display()
                )));
            }
        }
        if let Some(agreement) = &args.run.agreement {
            if agreement.is_empty() || agreement.chars().any(char::is_control) {
                return Err(Error::Usage(format!(
                    "-a {agreement:?}: not a URL (empty, or a control character)"
                )));
            }
        }
        #[cfg(not(unix))]
        if args.run.chmod.is_some() || args.run.chown.is_some() {
            return Err(Error::Usage(
                "--chmod, --chown: file modes and owners exist only on Unix".into(),
            ));
        }
        let chown = args
            .run
            .chown
            .as_deref()
            .map(crate::owner::resolve)
            .transpose()
            .map_err(|e| Error::Usage(format!("--chown {e}")))?;
        let listen = &args.run.http_listen;
        if listen.len() > MAX_HTTP_LISTEN {
            return Err(Error::Usage(format!(
                "--http-listen is given {} times: at most {MAX_HTTP_LISTEN} addresses",
                listen.len()
            )));
        }
        if let Some(twice) = listen
            .iter()
            .enumerate()
            .find_map(|(i, a)| listen[..i].contains(a).then_some(a))
        {
            return Err(Error::Usage(format!(
                "--http-listen {twice} is given twice"
            )));
        }
        if let Some(name) = &args.run.profile {
            crate::validate::profile(name)
                .map_err(|e| Error::Usage(format!("--profile {name:?}: {e}")))?;
        }
        if let Some(name) = &args.run.preferred_chain {
            crate::validate::preferred_chain(name)
                .map_err(|e| Error::Usage(format!("--preferred-chain {name:?}: {e}")))?;
        }
        if let Some(cmd) = &args.run.notify {
            crate::notify::check(cmd).map_err(Error::Usage)?;
        }
        let remote_signer = match (&args.run.account_socket, &args.run.account_command) {
            (Some(_), Some(_)) => {
                return Err(Error::Usage(
                    "--account-socket and --account-command: give one".into(),
                ))
            }
            #[cfg(unix)]
            (Some(path), None) => Some(crate::accountd::Endpoint::Socket(path.clone())),
            #[cfg(not(unix))]
            (Some(path), None) => {
                return Err(Error::Usage(format!(
                    "--account-socket {}: Unix sockets only; use --account-command",
                    path.display()
                )))
            }
            (None, Some(cmd)) => {
                Some(crate::accountd::Endpoint::command(cmd).map_err(Error::Usage)?)
            }
            (None, None) => None,
        };
        if remote_signer.is_some() {
            // -m: no account key here, so no directory made for one.
            new_dirs.retain(|d| Some(d.path.as_path()) != paths.account_key.parent());
        }
        if let Some(subject) = &args.run.subject {
            subject
                .check_names(&names)
                .map_err(|e| Error::Usage(format!("--subject {:?}: {e}", subject.to_string())))?;
        }
        let mut tls_features = args.run.tls_feature.clone().unwrap_or_default();
        if args.run.must_staple {
            tls_features = tls_features.with(TlsFeature::StatusRequest);
        }
        let proxy =
            proxy::choose(args.run.proxy.as_deref(), env, &server.host).map_err(Error::Usage)?;
        let trust = Trust::choose(
            args.ca_file.as_deref(),
            args.run.system_roots,
            env.ssl_cert_file.as_deref(),
        )
        .map_err(Error::Usage)?;
        Ok(Options {
            force: args.run.force,
            new_account_key: args.run.new_account_key,
            new_domain_key: args.run.new_domain_key,
            expand: args.run.expand,
            agreement: args.run.agreement.clone(),
            new_dirs,
            verbose: args.run.verbose,
            challenge_type: args.run.challenge_type,
            challenge_dir: args.challenge_dir.clone(),
            http_listen: args.run.http_listen.clone(),
            cert_files: CertFiles::in_dir(&paths.cert_dir),
            account_key: paths.account_key,
            remote_signer,
            domain_key: paths.domain_key,
            server,
            ca_file: args.ca_file.clone(),
            trust,
            proxy,
            timeout: Duration::from_secs(args.run.timeout),
            names,
            revoke: args.revoke.then_some(Revocation {
                reason: args.reason,
                with_domain_key: args.revoke_with_domain_key,
            }),
            backup: args.run.backup,
            jobs: usize::try_from(args.run.jobs).unwrap_or(1),
            contact: None,
            account_key_type: args.key_type,
            domain_key_type: args.key_type,
            subject: args.run.subject.clone(),
            key_usage: args.run.key_usage.clone(),
            tls_features,
            verify_with: args.run.verify_with.clone(),
            preferred_chain: args.run.preferred_chain.clone(),
            profile: args.run.profile.clone(),
            min_days: u32::try_from(args.run.min_days).unwrap_or(crate::fresh::DEFAULT_MIN_DAYS),
            notify: args.run.notify.clone(),
            chmod: args.run.chmod.unwrap_or(crate::validate::DEFAULT_CERT_MODE),
            chown,
        })
    }
}

/// The ACME server of `--directory URL`, else `-s`'s staging server, else
/// Let's Encrypt's production server: an https URL without control
/// characters.
fn server(directory: Option<&str>, staging: bool) -> Result<Server, Error> {
    let url = match (directory, staging) {
        (Some(url), _) => url.to_string(),
        (None, true) => LETSENCRYPT_STAGING.to_string(),
        (None, false) => LETSENCRYPT.to_string(),
    };
    // The URL is recorded as one line with the certificates (fresh.rs),
    // and the url crate would silently drop a tab or line break.
    if url.chars().any(char::is_control) {
        return Err(Error::Usage(format!(
            "--directory {url:?}: contains a control character"
        )));
    }
    let origin = validate::https_origin(&url)
        .map_err(|e| Error::Usage(format!("--directory {url:?}: {e}")))?;
    Ok(Server {
        url,
        host: origin.host,
        port: origin.port,
    })
}

/// `acmebox account`'s command line: the account of a key at an ACME
/// server, found, registered, its contact updated, or deactivated
/// (flows/account.rs).
#[derive(Args, Debug, Clone)]
pub struct AccountArgs {
    /// Create the account if the key has none (RFC 8555 §7.3), with the
    /// --contact URLs; where the directory names terms of service, only
    /// with --tos-agreed or -a naming them. Without --register, an account
    /// is only looked up, and none is an error.
    #[arg(long)]
    pub register: bool,
    /// With --register: you agree to the terms of service the directory
    /// names, whatever they are.
    #[arg(long, requires = "register", conflicts_with = "agreement")]
    pub tos_agreed: bool,
    /// With --register: the terms of service you agreed to; the directory's
    /// must be exactly these, else nothing is sent.
    #[arg(short = 'a', value_name = "agreement", requires = "register")]
    pub agreement: Option<String>,
    /// The account's contact URL (mailto:...; repeat for more): when the
    /// account's contact differs, it is replaced by these (RFC 8555
    /// §7.3.2); sent when registering. Without it the contact is left.
    #[arg(long, value_name = "URL")]
    pub contact: Vec<String>,
    /// Deactivate the account (RFC 8555 §7.3.6). Irreversible: the CA then
    /// refuses everything signed with the key, issuance included. Needs
    /// --confirm-deactivate.
    #[arg(long, conflicts_with_all = ["register", "contact"])]
    pub deactivate: bool,
    /// Confirm --deactivate.
    #[arg(long, requires = "deactivate")]
    pub confirm_deactivate: bool,
    /// The account private key (PEM: RSA or EC, PKCS#1, PKCS#8 or SEC1).
    #[arg(
        short = 'f',
        value_name = "accountkey",
        default_value = "/etc/acme/privkey.pem"
    )]
    pub account_key: PathBuf,
    /// Create the account key (--key-type, mode 0600) if it does not exist.
    #[arg(short = 'n')]
    pub new_account_key: bool,
    /// The type of key -n creates. An existing key is read whatever its type.
    #[arg(long, value_enum, value_name = "TYPE", default_value_t = KeyType::P256)]
    pub key_type: KeyType,
    /// ACME directory URL (https) [default: Let's Encrypt production].
    #[arg(long, value_name = "URL")]
    pub directory: Option<String>,
    /// Use Let's Encrypt's staging server.
    #[arg(short = 's', conflicts_with = "directory")]
    pub staging: bool,
    /// PEM trust anchors for the ACME server's TLS certificate, replacing
    /// the built-in web PKI roots.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Trust the system's CA bundle instead of the built-in web PKI roots.
    #[arg(long, conflicts_with = "ca_file")]
    pub system_roots: bool,
    /// Reach the ACME server through this HTTP CONNECT proxy
    /// (http://host:port) [default: HTTPS_PROXY unless NO_PROXY covers the
    /// server's host].
    #[arg(long, value_name = "URL")]
    pub proxy: Option<String>,
    /// Give up after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_TIMEOUT,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub timeout: u64,
    /// Log each step to standard error; twice (-vv), also each ACME request.
    #[arg(short = 'v', action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Print the account as one JSON object on standard output (see
    /// docs/JSON.md).
    #[arg(long)]
    pub json: bool,
}

/// The terms of service `acmebox account --register` may agree to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Agreement {
    /// None given: an account is created only where the directory names no
    /// terms.
    NotGiven,
    /// `--tos-agreed`: whatever terms the directory names.
    Any,
    /// `-a URL`: these terms, which the directory must name exactly.
    Terms(String),
}

/// Validated options of `acmebox account`.
#[derive(Clone, Debug)]
pub struct AccountOptions {
    /// `--register`.
    pub register: bool,
    /// `--tos-agreed` or `-a`.
    pub agreement: Agreement,
    /// `--contact`, each a URL without control characters, none twice;
    /// `None` when not given (the account's contact is left as it is).
    pub contact: Option<Vec<String>>,
    /// `--deactivate`, confirmed.
    pub deactivate: bool,
    /// `-f`.
    pub account_key: PathBuf,
    /// `-n`.
    pub new_account_key: bool,
    /// `--key-type`.
    pub key_type: KeyType,
    /// The ACME server.
    pub server: Server,
    /// The trust anchors.
    pub trust: Trust,
    /// `--proxy`, or `HTTPS_PROXY` unless `NO_PROXY` covers the server.
    pub proxy: ProxyChoice,
    /// `--timeout`.
    pub timeout: Duration,
    /// `-v` count.
    pub verbose: u8,
    /// `--json`.
    pub json: bool,
}

impl AccountOptions {
    /// Check the arguments and the host's environment variables `env`; an
    /// error names the argument or variable that is wrong.
    /// `--deactivate` without `--confirm-deactivate` is one, before
    /// anything is read or sent.
    pub fn from_args_env(args: &AccountArgs, env: &Env) -> Result<AccountOptions, Error> {
        if args.deactivate && !args.confirm_deactivate {
            return Err(Error::Usage(
                "--deactivate cannot be undone (RFC 8555 §7.3.6): the CA will refuse \
                 everything signed with this account key from then on, issuance included; \
                 give --confirm-deactivate as well to deactivate the account"
                    .into(),
            ));
        }
        if args.account_key.file_name().is_none() {
            return Err(Error::Usage(format!(
                "-f {}: not a file path",
                args.account_key.display()
            )));
        }
        let agreement = match (&args.agreement, args.tos_agreed) {
            (Some(terms), _) if terms.is_empty() || terms.chars().any(char::is_control) => {
                return Err(Error::Usage(format!(
                    "-a {terms:?}: not a URL (empty, or a control character)"
                )))
            }
            (Some(terms), _) => Agreement::Terms(terms.clone()),
            (None, true) => Agreement::Any,
            (None, false) => Agreement::NotGiven,
        };
        let mut contact: Vec<String> = Vec::new();
        for url in &args.contact {
            validate::contact(url).map_err(|e| Error::Usage(format!("--contact {e}")))?;
            if contact.contains(url) {
                return Err(Error::Usage(format!("--contact {url:?} is given twice")));
            }
            contact.push(url.clone());
        }
        let server = server(args.directory.as_deref(), args.staging)?;
        let proxy =
            proxy::choose(args.proxy.as_deref(), env, &server.host).map_err(Error::Usage)?;
        let trust = Trust::choose(
            args.ca_file.as_deref(),
            args.system_roots,
            env.ssl_cert_file.as_deref(),
        )
        .map_err(Error::Usage)?;
        Ok(AccountOptions {
            register: args.register,
            agreement,
            contact: (!args.contact.is_empty()).then_some(contact),
            deactivate: args.deactivate,
            account_key: args.account_key.clone(),
            new_account_key: args.new_account_key,
            key_type: args.key_type,
            server,
            trust,
            proxy,
            timeout: Duration::from_secs(args.timeout),
            verbose: args.verbose,
            json: args.json,
        })
    }
}

/// The paths of `-c`, `-f` and `-k`.
#[derive(Debug, PartialEq, Eq)]
struct Paths {
    cert_dir: PathBuf,
    account_key: PathBuf,
    domain_key: PathBuf,
}

/// acme-client's default paths for those of `-c`, `-f`, `-k` not given;
/// with `-m`, each default gets `domain` as its last directory (as
/// acme-client's main.c builds them), and those directories are returned to
/// be created. Paths given are used as they are.
fn default_paths(args: &IssueArgs, domain: &str) -> (Paths, Vec<NewDir>) {
    let mut new_dirs = Vec::new();
    let mut default = |given: &Option<PathBuf>, dir: &str, file: Option<&str>, mode: u32| {
        if let Some(path) = given {
            return path.clone();
        }
        let dir = if args.multidir {
            let dir = PathBuf::from(dir).join(domain);
            new_dirs.push(NewDir {
                path: dir.clone(),
                mode,
            });
            dir
        } else {
            PathBuf::from(dir)
        };
        match file {
            Some(file) => dir.join(file),
            None => dir,
        }
    };
    let paths = Paths {
        cert_dir: default(&args.cert_dir, SSL_DIR, None, 0o755),
        account_key: default(&args.account_key, ETC_DIR, Some(PRIVKEY_FILE), 0o700),
        domain_key: default(&args.domain_key, SSL_PRIV_DIR, Some(PRIVKEY_FILE), 0o700),
    };
    (paths, new_dirs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: IssueArgs,
    }

    fn parse(argv: &[&str]) -> Options {
        let cli = Cli::try_parse_from(std::iter::once("acmebox").chain(argv.iter().copied()))
            .expect("arguments parse");
        Options::from_args(&cli.args).expect("options")
    }

    #[test]
    fn default_paths_are_acme_clients() {
        let o = parse(&["example.com"]);
        assert_eq!(o.cert_files, CertFiles::in_dir("/etc/ssl/acme".as_ref()));
        assert_eq!(o.account_key, PathBuf::from("/etc/acme/privkey.pem"));
        assert_eq!(
            o.domain_key,
            PathBuf::from("/etc/ssl/acme/private/privkey.pem")
        );
        assert!(o.new_dirs.is_empty());
    }

    #[test]
    fn multidir_appends_the_domain_to_default_paths_only() {
        let o = parse(&["-m", "-c", "/srv/certs", "Example.COM", "www.example.com"]);
        assert_eq!(o.cert_files, CertFiles::in_dir("/srv/certs".as_ref()));
        assert_eq!(
            o.account_key,
            PathBuf::from("/etc/acme/example.com/privkey.pem")
        );
        assert_eq!(
            o.domain_key,
            PathBuf::from("/etc/ssl/acme/private/example.com/privkey.pem")
        );
        assert_eq!(o.challenge_dir, PathBuf::from("/var/www/acme"));
        assert_eq!(
            o.new_dirs,
            vec![
                NewDir {
                    path: "/etc/acme/example.com".into(),
                    mode: 0o700
                },
                NewDir {
                    path: "/etc/ssl/acme/private/example.com".into(),
                    mode: 0o700
                },
            ]
        );
        let all = parse(&["-m", "example.com"]);
        assert_eq!(
            all.cert_files,
            CertFiles::in_dir("/etc/ssl/acme/example.com".as_ref())
        );
        assert_eq!(all.new_dirs[0].mode, 0o755);
    }

    #[test]
    fn agreement_with_a_control_character_is_refused() {
        let cli = Cli::try_parse_from(["acmebox", "-a", "https://x/\nterms", "example.com"])
            .expect("parse");
        let err = Options::from_args(&cli.args).expect_err("refused");
        assert!(err.to_string().contains("-a"), "{err}");
    }
}
