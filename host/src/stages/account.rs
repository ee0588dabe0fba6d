//! The account stage (wit/account.wit): the account key and its signatures.

use super::{load_plain, refuse};
use crate::error::Error;
use crate::grant::Grant;
use crate::sandbox::{Runtime, Sandboxed};

mod bindings {
    wasmtime::component::bindgen!({ world: "account", path: "../wit" });
}

pub use bindings::exports::acmebox::stages::account_key_file::LoadedKey;
pub use bindings::exports::acmebox::stages::signer::AccountKey;

/// The account stage in its sandbox.
pub type Account = Sandboxed<(), bindings::Account>;

/// Load the account stage with its grant.
pub fn load(rt: &Runtime, grant: &Grant) -> Result<Account, Error> {
    load_plain(rt, grant, |s, c, l| bindings::Account::instantiate(s, c, l))
}

impl Account {
    /// Read (or, with `create`, make) the key file `name` in `/key`: its
    /// public half, and whether it was created.
    pub fn load_key(&mut self, name: &str, create: bool) -> Result<LoadedKey, Error> {
        let loaded = self.call("read account key", |b, s| {
            b.acmebox_stages_account_key_file()
                .call_load(s, name, create)
        })?;
        super::check_created("read account key", loaded.created, create)?;
        check(&loaded.key)?;
        Ok(loaded)
    }

    /// The loaded key's public half.
    pub fn public_key(&mut self) -> Result<AccountKey, Error> {
        self.call("public key", |b, s| {
            b.acmebox_stages_signer().call_public_key(s)
        })
    }

    /// Sign a JWS signing input.
    pub fn sign(&mut self, input: &str) -> Result<String, Error> {
        self.call("sign", |b, s| b.acmebox_stages_signer().call_sign(s, input))
    }
}

/// The thumbprint goes into files the ACME server reads: it must be the
/// base64url of a SHA-256 digest.
fn check(key: &AccountKey) -> Result<(), Error> {
    let b64url = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if key.thumbprint.len() != 43 || !b64url(&key.thumbprint) {
        return Err(refuse(
            "read account key",
            format!("thumbprint {:?} is not a base64url SHA-256", key.thumbprint),
        ));
    }
    if !["ES256", "ES384", "RS256"].contains(&key.alg.as_str()) {
        return Err(refuse(
            "read account key",
            format!("unknown alg {:?}", key.alg),
        ));
    }
    Ok(())
}
