//! One account session per authority in a many-certificate run
//! (flows/batch.rs): the account stage is loaded, and its key read (or made,
//! `-n`), once per account key and ACME directory (with `--account-socket` or
//! `--account-command`, the accountd is connected to once per directory);
//! every certificate's network stage signs through it ([`Signer::Shared`],
//! [`Signer::Remote`]); and the account URL
//! (`kid`) found by the first certificate's newAccount request is handed to
//! the others' network stages (`use-account`), so newAccount is sent once.
//!
//! The stage runs in a runtime of its own, which this value keeps alive:
//! its calls are bounded by its own deadline, whichever job's thread makes
//! them, one at a time under the lock.

use crate::accountd::client::Remote;
use crate::accountd::Endpoint;
use crate::error::Error;
use crate::grant::Grant;
use crate::log::Log;
use crate::options::Options;
use crate::sandbox::Runtime;
use crate::stage::Stage;
use crate::stages::account::{Account, AccountKey};
use crate::stages::signer::Signer;
use crate::stages::Source;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// What makes two certificates share an account session: the same account
/// key file (or the same accountd) and the same ACME directory.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionKey {
    /// `-f` / `account key`; the accountd's endpoint when one signs.
    pub account_key: Result<PathBuf, Endpoint>,
    /// The directory URL.
    pub directory: String,
}

impl SessionKey {
    /// The session `opts` belongs to.
    pub fn of(opts: &Options) -> SessionKey {
        SessionKey {
            account_key: match &opts.remote_signer {
                Some(endpoint) => Err(endpoint.clone()),
                None => Ok(opts.account_key.clone()),
            },
            directory: opts.server.url.clone(),
        }
    }
}

/// The signer a session's certificates share.
enum Held {
    /// The account stage, loaded here.
    Stage(Arc<Mutex<Account>>),
    /// An accountd's connection.
    Remote(Arc<Mutex<Remote>>),
}

/// A loaded account stage (or accountd connection) shared by the
/// certificates of one session.
pub struct SharedAccount {
    account: Held,
    key: AccountKey,
    find_only: bool,
    kid: Mutex<Option<String>>,
    // Dropped last: the stage's store belongs to this runtime's engine.
    rt: Runtime,
}

impl SharedAccount {
    /// Load the account stage with the grant `opts` gives it, and read (or,
    /// with `-n`, make) the key: steps 2–3 of the issuance, once.
    /// Its runtime shares `base`'s engine: the stages' code is loaded once
    /// per engine, so every certificate of the batch runs on `base`'s
    /// (runtime), without copying it.
    pub fn load(
        opts: &Options,
        source: &Source,
        log: &Log,
        base: &Runtime,
    ) -> Result<SharedAccount, Error> {
        let rt = base.sharing_engine().map_err(|e| Error::Protocol {
            step: "start",
            message: format!("cannot start wasmtime: {e:#}"),
        })?;
        let grants = Grant::all(opts);
        // As every run does before a stage is loaded: no key inside another
        // stage's writable grant (the warnings are the jobs' to print).
        crate::reach::check(opts, &grants)?;
        if grants.iter().all(|g| g.name != Stage::Account) {
            return Err(Error::Protocol {
                step: "start",
                message: "no grant for the account stage".into(),
            });
        }
        let label = format!("3. account key {}", opts.account_key.display());
        let label = match &opts.remote_signer {
            Some(_) => "3. account key",
            None => &label,
        };
        let note = " (shared by this authority's certificates)";
        let signer = crate::issue::account_signer(&rt, &grants, opts, source, log, (label, note))?;
        let account = match signer.signer {
            Signer::Account(account) => Held::Stage(Arc::new(Mutex::new(account))),
            Signer::Remote(remote) => Held::Remote(remote),
            _ => {
                return Err(Error::Protocol {
                    step: "start",
                    message: "the account signer is neither a stage nor an accountd".into(),
                })
            }
        };
        Ok(SharedAccount {
            account,
            key: signer.key,
            find_only: signer.find_only,
            kid: Mutex::new(None),
            rt,
        })
    }

    /// The runtime whose engine the certificates of this session share
    /// ([`Runtime::sharing_engine`]: each gets a watchdog of its own).
    pub fn runtime(&self) -> &Runtime {
        &self.rt
    }

    /// The account key's public half, as read.
    pub fn key(&self) -> &AccountKey {
        &self.key
    }

    /// A signer for one certificate's network stage.
    pub fn signer(&self) -> Signer {
        match &self.account {
            Held::Stage(account) => Signer::Shared(Arc::clone(account)),
            Held::Remote(remote) => Signer::Remote(Arc::clone(remote)),
        }
    }

    /// Whether the account is only looked up, never registered (an
    /// accountd with `--keyid-only`).
    pub fn find_only(&self) -> bool {
        self.find_only
    }

    /// The account URL: the one found earlier, or the one `find` finds
    /// now (a network stage's newAccount), recorded for the others. The
    /// first certificate to ask finds it while the others wait, so
    /// newAccount is sent once (they sign only after it, so the account
    /// stage's lock is never held by one waiting here). `true` when found
    /// now.
    pub fn kid_or_find(
        &self,
        find: impl FnOnce() -> Result<String, Error>,
    ) -> Result<(String, bool), Error> {
        let mut kid = self.kid.lock().map_err(|_| Error::Protocol {
            step: "register account",
            message: "another certificate's run failed while finding the account".into(),
        })?;
        if let Some(kid) = kid.as_ref() {
            return Ok((kid.clone(), false));
        }
        let found = find()?;
        *kid = Some(found.clone());
        Ok((found, true))
    }
}
