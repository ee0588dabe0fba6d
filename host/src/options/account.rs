//! `acmebox account`'s command line ([`AccountArgs`]) turned into validated
//! [`AccountOptions`].

use super::Server;
use crate::error::Error;
use crate::key_type::KeyType;
use crate::proxy::{Env, ProxyChoice};
use crate::trust::Trust;
use crate::validate;
use clap::Args;
use std::path::PathBuf;
use std::time::Duration;

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
    /// Roll the account over to the key in NEWKEY (RFC 8555 §7.3.5; with
    /// -n, made there if missing, of --key-type), which must be in -f's
    /// directory: the CA then knows the account by NEWKEY only, and acmebox
    /// renames NEWKEY over -f (the old key is kept as a backup only with
    /// -b).
    #[arg(long, value_name = "NEWKEY",
          conflicts_with_all = ["register", "contact", "deactivate"])]
    pub rollover: Option<PathBuf>,
    /// With --rollover: keep the old key as <stem>-EPOCH.pem beside -f.
    #[arg(short = 'b', requires = "rollover")]
    pub backup: bool,
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
    /// The ACME server: --directory, -s, --ca-file, --system-roots, --proxy,
    /// --timeout.
    #[command(flatten)]
    pub server: super::ServerArgs,
    /// Log each step to standard error; twice (-vv), also each ACME request.
    #[arg(short = 'v', action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Print the account as one JSON object on standard output (see
    /// docs/JSON.md).
    #[arg(long)]
    pub json: bool,
    /// `--eab-kid` and `--eab-hmac-key-file` (options/eab.rs), for
    /// --register.
    #[command(flatten)]
    pub eab: super::EabArgs,
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
    /// `--eab-kid` and `--eab-hmac-key-file`, given with `--register`.
    pub external_account: Option<super::ExternalAccount>,
    /// `--rollover NEWKEY`: in -f's directory, not -f itself.
    pub rollover: Option<PathBuf>,
    /// `-b` with `--rollover`.
    pub backup: bool,
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
        if let Some(new) = &args.rollover {
            super::rollover::check(new, &args.account_key)?;
        }
        let external_account = args.eab.check()?;
        if external_account.is_some() && !args.register {
            return Err(Error::Usage(
                "--eab-kid: an external account binding is used to register an account; \
                 give --register as well"
                    .into(),
            ));
        }
        let reach = args.server.reach(env)?;
        Ok(AccountOptions {
            register: args.register,
            agreement,
            contact: (!args.contact.is_empty()).then_some(contact),
            deactivate: args.deactivate,
            account_key: args.account_key.clone(),
            new_account_key: args.new_account_key,
            key_type: args.key_type,
            server: reach.server,
            trust: reach.trust,
            proxy: reach.proxy,
            timeout: reach.timeout,
            verbose: args.verbose,
            json: args.json,
            external_account,
            rollover: args.rollover.clone(),
            backup: args.backup,
        })
    }
}
