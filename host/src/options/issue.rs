//! Issuance, revocation (`-r`) and `acmebox grants`: [`IssueArgs`] turned
//! into validated [`Options`].

use super::RunFlags;
use super::{
    server, NewDir, Server, ETC_DIR, MAX_HTTP_LISTEN, PRIVKEY_FILE, SSL_DIR, SSL_PRIV_DIR,
};
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
    /// `--eab-kid` and `--eab-hmac-key-file` (options/eab.rs).
    #[command(flatten)]
    pub eab: super::EabArgs,
    /// The domain name: the certificate's CN and first SAN. An IPv4 or IPv6
    /// address (no brackets) is ordered as an IP identifier (RFC 8738,
    /// http-01 only) and becomes an iPAddress SAN, never the CN (the first
    /// DNS name is, if any).
    pub domain: String,
    /// More names (or IP addresses) for the certificate's subjectAltName.
    pub altnames: Vec<String>,
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
    /// `--eab-kid` and `--eab-hmac-key-file`: the external account binding
    /// a registration carries (RFC 8555 §7.3.4).
    pub external_account: Option<super::ExternalAccount>,
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
                None => validate::name(name),
            }
            .map_err(Error::Usage)?;
            if validate::is_ip(&name) && args.run.challenge_type == Some(ChallengeType::Dns01) {
                return Err(Error::Usage(format!(
                    "{name}: an IP address is validated with http-01 (or tls-alpn-01), never \
                     dns-01 (RFC 8738 §7)"
                )));
            }
            if names.contains(&name) {
                return Err(Error::Usage(format!("name {name:?} is given twice")));
            }
            names.push(name);
        }
        let server = server(args.directory.as_deref(), args.staging)?;
        let external_account = args.eab.check()?;
        if external_account.is_some()
            && (args.run.account_socket.is_some() || args.run.account_command.is_some())
        {
            return Err(Error::Usage(
                "--eab-kid: an accountd holds no MAC key; register the account with \
                 `acmebox account --register --eab-kid ...` first, then run through the \
                 accountd"
                    .into(),
            ));
        }
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
            external_account,
            min_days: u32::try_from(args.run.min_days).unwrap_or(crate::fresh::DEFAULT_MIN_DAYS),
            notify: args.run.notify.clone(),
            chmod: args.run.chmod.unwrap_or(crate::validate::DEFAULT_CERT_MODE),
            chown,
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
