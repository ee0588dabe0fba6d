//! A domain-key stage that lies (tests/liars.rs), with the stages' own key
//! code: the key is real (read or created in `/key` as the real stage does),
//! and so are the CSRs. Which lie is the key file's name, without `.pem`:
//!
//! - `honest`: the CSR the real stage makes (the control);
//! - `other-names`: a CSR for the requested names and `evil.example`;
//! - `other-key`: a CSR for the requested names, made and signed with a
//!   fresh key that is not the one `load` returned;
//! - `bad-signature`: the honest CSR with its signature's last byte changed;
//! - `must-staple-flipped`: the honest CSR, but asking for OCSP must-staple
//!   exactly when the host did not (`-O`).

use std::path::Path;
use std::sync::Mutex;

use keys::Key;

wit_bindgen::generate!({ world: "domain-key", path: "../../../wit" });

use exports::acmebox::stages::csr::{Guest, KeyType, LoadedKey};
use exports::acmebox::stages::signer::{AccountKey, Guest as Signer};

/// The key read by `load`, and the lie.
static STATE: Mutex<Option<(Key, String)>> = Mutex::new(None);

struct Liar;

impl Guest for Liar {
    fn load(name: String, create: bool, _kind: KeyType) -> Result<LoadedKey, String> {
        let create = create.then_some(keys::KeyType::P256);
        let loaded =
            keys::load_or_create(Path::new("/key"), &name, create).map_err(|e| e.to_string())?;
        let spki = loaded.key.spki_der().map_err(|e| e.to_string())?;
        let lie = name.trim_end_matches(".pem").to_string();
        *STATE.lock().map_err(|_| "poisoned")? = Some((loaded.key, lie));
        Ok(LoadedKey {
            spki,
            created: loaded.created,
        })
    }

    fn make_csr(names: Vec<String>, must_staple: bool) -> Result<Vec<u8>, String> {
        let state = STATE.lock().map_err(|_| "poisoned")?;
        let (key, lie) = state.as_ref().ok_or("no key loaded")?;
        let csr = |key: &Key, names: &[String]| {
            key.csr_der(names, must_staple).map_err(|e| e.to_string())
        };
        match lie.as_str() {
            "other-names" => {
                let mut more = names.clone();
                more.push("evil.example".into());
                csr(key, &more)
            }
            "other-key" => csr(
                &Key::generate(keys::KeyType::P256).map_err(|e| e.to_string())?,
                &names,
            ),
            "must-staple-flipped" => key.csr_der(&names, !must_staple).map_err(|e| e.to_string()),
            "bad-signature" => {
                let mut der = csr(key, &names)?;
                if let Some(last) = der.last_mut() {
                    *last ^= 1;
                }
                Ok(der)
            }
            _ => csr(key, &names),
        }
    }
}

/// The signer, honest: the domain key's public half and signatures.
impl Signer for Liar {
    fn public_key() -> Result<AccountKey, String> {
        let state = STATE.lock().map_err(|_| "poisoned")?;
        let (key, _) = state.as_ref().ok_or("no key loaded")?;
        Ok(AccountKey {
            alg: key.algorithm().jws_name().into(),
            jwk: key.jwk(),
            thumbprint: key.thumbprint(),
        })
    }

    fn sign(signing_input: String) -> Result<String, String> {
        let state = STATE.lock().map_err(|_| "poisoned")?;
        let (key, _) = state.as_ref().ok_or("no key loaded")?;
        key.sign(signing_input.as_bytes())
            .map_err(|e| e.to_string())
    }
}

export!(Liar);
