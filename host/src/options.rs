//! The command line of acme-client(1), plus `--directory`, `--ca-file`,
//! `--system-roots`, `--proxy` and `--timeout`, and the host's environment
//! (`HTTPS_PROXY`, `NO_PROXY`, `SSL_CERT_FILE`: proxy.rs), turned into
//! validated [`Options`].

use crate::error::Error;
use crate::key_type::KeyType;
use crate::proxy::{self, Env, ProxyChoice};
use crate::trust::Trust;
use crate::validate;
use clap::Args;
use std::path::PathBuf;
use std::time::Duration;

/// Let's Encrypt's production directory, the default server.
pub const LETSENCRYPT: &str = "https://acme-v02.api.letsencrypt.org/directory";
/// Let's Encrypt's staging directory, selected by `-s`.
pub const LETSENCRYPT_STAGING: &str = "https://acme-staging-v02.api.letsencrypt.org/directory";

/// Flags and operands shared by issuance and `acmebox grants`.
#[derive(Args, Debug, Clone)]
pub struct IssueArgs {
    /// Force updating the certificate even if it has more than 30 days left.
    #[arg(short = 'F')]
    pub force: bool,
    /// Create the account key (--key-type, mode 0600) if it does not exist.
    #[arg(short = 'n')]
    pub new_account_key: bool,
    /// Create the domain key (--key-type, mode 0600) if it does not exist.
    #[arg(short = 'N')]
    pub new_domain_key: bool,
    /// Log each step to standard error.
    #[arg(short = 'v', action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Use Let's Encrypt's staging server.
    #[arg(short = 's', conflicts_with = "directory")]
    pub staging: bool,
    /// Where http-01 token files are written.
    #[arg(
        short = 'C',
        value_name = "challengedir",
        default_value = "/var/www/acme"
    )]
    pub challenge_dir: PathBuf,
    /// Where cert.pem, chain.pem and fullchain.pem are written.
    #[arg(short = 'c', value_name = "certdir", default_value = "/etc/ssl/acme")]
    pub cert_dir: PathBuf,
    /// The account private key (PEM: RSA or EC, PKCS#1, PKCS#8 or SEC1).
    #[arg(
        short = 'f',
        value_name = "accountkey",
        default_value = "/etc/acme/privkey.pem"
    )]
    pub account_key: PathBuf,
    /// The domain private key (PEM: RSA or EC, PKCS#1, PKCS#8 or SEC1).
    #[arg(
        short = 'k',
        value_name = "domainkey",
        default_value = "/etc/ssl/acme/private/privkey.pem"
    )]
    pub domain_key: PathBuf,
    /// ACME directory URL (https) [default: Let's Encrypt production].
    #[arg(long, value_name = "URL")]
    pub directory: Option<String>,
    /// PEM trust anchors for the ACME server's TLS certificate. They replace
    /// the built-in web PKI roots (a private CA such as pebble's).
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
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
    /// Give up on the whole run after this many seconds (each HTTP request
    /// may take 30 s, or half of this if that is shorter).
    #[arg(long, value_name = "SECONDS", default_value_t = 300,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub timeout: u64,
    /// The type of key -n and -N create (acme-client's is RSA 4096; acmebox
    /// defaults to P-256, see the README). Existing keys are read whatever their type.
    #[arg(long, value_enum, value_name = "TYPE", default_value_t = KeyType::P256)]
    pub key_type: KeyType,
    /// Ask for OCSP must-staple (RFC 7633) in the certificate request.
    /// Let's Encrypt no longer accepts it (it refuses such orders since 2025).
    #[arg(short = 'O')]
    pub must_staple: bool,
    /// The domain name: the certificate's CN and first SAN.
    pub domain: String,
    /// More names for the certificate's subjectAltName.
    pub altnames: Vec<String>,
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

/// Validated options of one invocation.
#[derive(Clone, Debug)]
pub struct Options {
    /// `-F`.
    pub force: bool,
    /// `-n`.
    pub new_account_key: bool,
    /// `-N`.
    pub new_domain_key: bool,
    /// `-v` count.
    pub verbose: u8,
    /// `-C`.
    pub challenge_dir: PathBuf,
    /// `-c`.
    pub cert_dir: PathBuf,
    /// `-f`.
    pub account_key: PathBuf,
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
    /// `--key-type`: what `-n` and `-N` create.
    pub key_type: KeyType,
    /// `-O`: OCSP must-staple in the CSR.
    pub must_staple: bool,
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
            let name = validate::dns_name(name).map_err(Error::Usage)?;
            if names.contains(&name) {
                return Err(Error::Usage(format!("name {name:?} is given twice")));
            }
            names.push(name);
        }
        let url = match (&args.directory, args.staging) {
            (Some(url), _) => url.clone(),
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
        for (flag, path) in [("-f", &args.account_key), ("-k", &args.domain_key)] {
            if path.file_name().is_none() {
                return Err(Error::Usage(format!(
                    "{flag} {}: not a file path",
                    path.display()
                )));
            }
        }
        let proxy =
            proxy::choose(args.proxy.as_deref(), env, &origin.host).map_err(Error::Usage)?;
        let trust = Trust::choose(
            args.ca_file.as_deref(),
            args.system_roots,
            env.ssl_cert_file.as_deref(),
        )
        .map_err(Error::Usage)?;
        Ok(Options {
            force: args.force,
            new_account_key: args.new_account_key,
            new_domain_key: args.new_domain_key,
            verbose: args.verbose,
            challenge_dir: args.challenge_dir.clone(),
            cert_dir: args.cert_dir.clone(),
            account_key: args.account_key.clone(),
            domain_key: args.domain_key.clone(),
            server: Server {
                url,
                host: origin.host,
                port: origin.port,
            },
            ca_file: args.ca_file.clone(),
            trust,
            proxy,
            timeout: Duration::from_secs(args.timeout),
            names,
            key_type: args.key_type,
            must_staple: args.must_staple,
        })
    }
}
