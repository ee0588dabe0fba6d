//! The signer behind the network stage's `signer` import: the account stage
//! (every request, RFC 8555 §6.2), or the domain-key stage to revoke a
//! certificate with its own key (§7.6, a JWS with `jwk`). The host forwards
//! each call to the stage's store and checks the answer there
//! (stages/account.rs, stages/domain_key.rs); the key never leaves its stage.
//! With `--account-socket` or `--account-command` the account key signs in
//! an accountd instead, whose answers accountd/client.rs checks the same way.

use super::account::{Account, AccountKey};
use super::domain_key::DomainSigner;
use crate::accountd::client::Remote;
use crate::error::Error;
use std::sync::{Arc, Mutex};

/// The stage that signs for the network stage.
pub enum Signer {
    /// The account key (`-f`).
    Account(Account),
    /// The account key's stage, shared by the certificates of one authority
    /// in a many-certificate run (flows/batch.rs): one stage, one key read,
    /// each call made under the lock.
    Shared(Arc<Mutex<Account>>),
    /// The domain key (`-k`), for `--revoke-with-domain-key`.
    DomainKey(DomainSigner),
    /// The account key in an accountd (`--account-socket`,
    /// `--account-command`): one connection, shared by the certificates of
    /// a many-certificate run like [`Signer::Shared`].
    Remote(Arc<Mutex<Remote>>),
    /// No key: `acmebox directory` signs nothing, and every call is an
    /// error.
    Refusing,
}

impl From<Remote> for Signer {
    fn from(remote: Remote) -> Signer {
        Signer::Remote(Arc::new(Mutex::new(remote)))
    }
}

impl From<Account> for Signer {
    fn from(account: Account) -> Signer {
        Signer::Account(account)
    }
}

impl From<DomainSigner> for Signer {
    fn from(domain: DomainSigner) -> Signer {
        Signer::DomainKey(domain)
    }
}

impl Signer {
    /// The signing key's public half, checked by its stage's wrapper.
    pub fn public_key(&mut self) -> Result<AccountKey, Error> {
        match self {
            Signer::Account(a) => a.public_key(),
            Signer::Shared(a) => lock(a)?.public_key(),
            Signer::DomainKey(d) => d.public_key(),
            Signer::Remote(r) => Ok(lock(r)?.key().clone()),
            Signer::Refusing => Err(refused()),
        }
    }

    /// A JWS signature over `input`, checked by its stage's wrapper.
    pub fn sign(&mut self, input: &str) -> Result<String, Error> {
        match self {
            Signer::Account(a) => a.sign(input),
            Signer::Shared(a) => lock(a)?.sign(input),
            Signer::DomainKey(d) => d.sign(input),
            Signer::Remote(r) => lock(r)?.sign(input),
            Signer::Refusing => Err(refused()),
        }
    }
}

impl Signer {
    /// The external account binding's MAC (RFC 8555 §7.3.4) over `input`,
    /// from the account stage holding the MAC key. The domain key never
    /// registers an account, and an accountd holds no MAC key: for those
    /// it is an error (the flows refuse the combination before a run).
    pub fn external_account_mac(&mut self, input: &str) -> Result<String, Error> {
        match self {
            Signer::Account(a) => a.external_account_mac(input),
            Signer::Shared(a) => lock(a)?.external_account_mac(input),
            Signer::Refusing => Err(refused()),
            Signer::DomainKey(_) | Signer::Remote(_) => Err(Error::Protocol {
                step: "external account binding",
                message: "only the account stage holds a MAC key (not the domain key or an \
                          accountd)"
                    .into(),
            }),
        }
    }
}

/// The error of [`Signer::Refusing`].
fn refused() -> Error {
    Error::Protocol {
        step: "sign",
        message: "this command signs nothing (no key is loaded)".into(),
    }
}

/// The shared account stage (or accountd connection), for one call. A
/// poisoned lock (a job panicked inside a call) is an error for the jobs
/// after it, not a second panic.
fn lock<T>(account: &Mutex<T>) -> Result<std::sync::MutexGuard<'_, T>, Error> {
    account.lock().map_err(|_| Error::Protocol {
        step: "sign",
        message: "the shared account signer failed in another certificate's run".into(),
    })
}
