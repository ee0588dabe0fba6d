//! The account stage (acme-client's acctproc): holds the ACME account key
//! (RFC 8555 §6.2) and signs JWS signing inputs with it (RFC 7515 §5.1).
//! The private key never leaves this component.
#![deny(unsafe_code)]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;
use std::sync::Mutex;

use bindings::exports::acmebox::stages::account_key_file::{Guest as KeyFile, KeyType, LoadedKey};
use bindings::exports::acmebox::stages::external_account::Guest as ExternalAccount;
use bindings::exports::acmebox::stages::signer::{AccountKey, Guest as Signer};
use keys::{Key, MacKey};

#[allow(unsafe_code)]
mod bindings {
    //! Generated from `wit/account.wit`.
    wit_bindgen::generate!({ world: "account", path: "../../wit" });

    use super::Account;
    export!(Account with_types_in self);
}

/// Where the host preopens the key directory.
const KEY_DIR: &str = "/key";

/// Where the host preopens the directory of the external account MAC key
/// file (`--eab-hmac-key-file`), when one is given.
const EAB_DIR: &str = "/eab";

/// The loaded account key; `None` until `load` succeeds.
static KEY: Mutex<Option<Key>> = Mutex::new(None);

/// The loaded external account MAC key (RFC 8555 §7.3.4).
static MAC_KEY: Mutex<Option<MacKey>> = Mutex::new(None);

struct Account;

/// The WIT key type as the keys crate names it.
fn key_type(kind: KeyType) -> keys::KeyType {
    match kind {
        KeyType::P256 => keys::KeyType::P256,
        KeyType::P384 => keys::KeyType::P384,
        KeyType::Rsa2048 => keys::KeyType::Rsa2048,
        KeyType::Rsa3072 => keys::KeyType::Rsa3072,
        KeyType::Rsa4096 => keys::KeyType::Rsa4096,
    }
}

/// The public half of `key` as the network stage needs it.
fn account_key(key: &Key) -> AccountKey {
    AccountKey {
        alg: key.algorithm().jws_name().to_owned(),
        jwk: key.jwk(),
        thumbprint: key.thumbprint(),
    }
}

/// Run `f` on the loaded key, or fail if none is loaded.
fn with_key<T>(f: impl FnOnce(&Key) -> Result<T, String>) -> Result<T, String> {
    let guard = KEY
        .lock()
        .map_err(|_| "account key lock poisoned".to_owned())?;
    guard
        .as_ref()
        .map_or_else(|| Err("no account key loaded".to_owned()), f)
}

impl KeyFile for Account {
    fn load(name: String, create: bool, kind: KeyType) -> Result<LoadedKey, String> {
        let create = create.then(|| key_type(kind));
        let loaded =
            keys::load_or_create(Path::new(KEY_DIR), &name, create).map_err(|e| e.to_string())?;
        let public = account_key(&loaded.key);
        let mut guard = KEY
            .lock()
            .map_err(|_| "account key lock poisoned".to_owned())?;
        *guard = Some(loaded.key);
        Ok(LoadedKey {
            key: public,
            created: loaded.created,
        })
    }
}

impl Signer for Account {
    fn public_key() -> Result<AccountKey, String> {
        with_key(|key| Ok(account_key(key)))
    }

    fn sign(signing_input: String) -> Result<String, String> {
        with_key(|key| {
            key.sign(signing_input.as_bytes())
                .map_err(|e| e.to_string())
        })
    }
}

impl ExternalAccount for Account {
    fn load(name: String) -> Result<(), String> {
        let key = MacKey::read(Path::new(EAB_DIR), &name).map_err(|e| e.to_string())?;
        let mut guard = MAC_KEY
            .lock()
            .map_err(|_| "MAC key lock poisoned".to_owned())?;
        *guard = Some(key);
        Ok(())
    }

    fn mac(signing_input: String) -> Result<String, String> {
        let guard = MAC_KEY
            .lock()
            .map_err(|_| "MAC key lock poisoned".to_owned())?;
        match guard.as_ref() {
            Some(key) => Ok(key.mac(signing_input.as_bytes())),
            None => Err("no external account MAC key loaded (--eab-hmac-key-file)".to_owned()),
        }
    }
}
