//! The account stage (wit/account.wit): the account key and its signatures.
//! What it returns is checked here without parsing JSON: the WIT fixes the
//! JWK's exact text (RFC 7638 member order, compact), so its shape, its
//! thumbprint and the signature lengths of its `alg` can be checked as text.

use super::{embedded, load_plain, refuse};
use crate::error::Error;
use crate::grant::Grant;
use crate::key_type::KeyType;
use crate::sandbox::{Runtime, Sandboxed};
use crate::stage::Stage;
use crate::validate::{base64url, base64url_len, is_base64url};
use sha2::{Digest, Sha256};
use wasmtime::component::Component;

mod bindings {
    wasmtime::component::bindgen!({ world: "account", path: "../wit" });
}

use bindings::exports::acmebox::stages::account_key_file::KeyType as WitKeyType;
pub use bindings::exports::acmebox::stages::account_key_file::LoadedKey;
pub use bindings::exports::acmebox::stages::signer::AccountKey;

/// The account stage in its sandbox, and the key it returned when it read
/// the key file: later answers must agree with it.
pub struct Account {
    stage: Sandboxed<(), bindings::Account>,
    key: Option<AccountKey>,
}

/// Load the account stage with its grant.
pub fn load(rt: &Runtime, grant: &Grant) -> Result<Account, Error> {
    load_component(rt, grant, &embedded(rt, grant.name)?)
}

/// Load `component` as the account stage, with its grant: the way [`load`]
/// loads the embedded one (see [`Source`](super::Source)).
pub fn load_component(
    rt: &Runtime,
    grant: &Grant,
    component: &Component,
) -> Result<Account, Error> {
    let stage = load_plain(rt, grant, component, |s, c, l| {
        bindings::Account::instantiate(s, c, l)
    })?;
    Ok(Account { stage, key: None })
}

impl Account {
    /// Read the key file `name` in `/key` (or, with `create`, make a key of
    /// that type there if there is none): its public half, and whether it
    /// was created. A key the stage says it created must sign with the
    /// `alg` of the type asked for.
    pub fn load_key(&mut self, name: &str, create: Option<KeyType>) -> Result<LoadedKey, Error> {
        let step = "read account key";
        let kind = wit_key_type(create.unwrap_or_default());
        let loaded = self.stage.call(step, |b, s| {
            b.acmebox_stages_account_key_file()
                .call_load(s, name, create.is_some(), kind)
        })?;
        super::check_created(Stage::Account, step, loaded.created, create.is_some())?;
        check_key(&loaded.key).map_err(|m| refuse(Stage::Account, step, m))?;
        if let Some(kind) = create.filter(|_| loaded.created) {
            if loaded.key.alg != kind.jws_alg() {
                return Err(refuse(
                    Stage::Account,
                    step,
                    format!(
                        "created a {} key when a {kind} key ({}) was asked for",
                        excerpt(&loaded.key.alg),
                        kind.jws_alg()
                    ),
                ));
            }
        }
        self.key = Some(loaded.key.clone());
        Ok(loaded)
    }

    /// [`Account::load_key`] of the file at `path` (its name; the stage's
    /// grant is its directory), the error naming the file; a key made
    /// (`create`) is made durable by syncing its directory. What the issue,
    /// account and accountd flows do first.
    pub fn load_key_file(
        &mut self,
        path: &std::path::Path,
        create: Option<KeyType>,
    ) -> Result<LoadedKey, Error> {
        let loaded = self
            .load_key(&crate::issue::file_name(path), create)
            .map_err(|e| e.about(path))?;
        if loaded.created {
            crate::durable::sync_parent(path)?;
        }
        Ok(loaded)
    }

    /// The loaded key's public half: the key [`Account::load_key`] returned.
    pub fn public_key(&mut self) -> Result<AccountKey, Error> {
        let step = "public key";
        let key = self
            .stage
            .call(step, |b, s| b.acmebox_stages_signer().call_public_key(s))?;
        let loaded = self.loaded(step)?;
        if (&key.alg, &key.jwk, &key.thumbprint) != (&loaded.alg, &loaded.jwk, &loaded.thumbprint) {
            return Err(refuse(
                Stage::Account,
                step,
                format!(
                    "returned another key ({} {}) than it read ({} {})",
                    key.alg, key.thumbprint, loaded.alg, loaded.thumbprint
                ),
            ));
        }
        Ok(key)
    }

    /// Sign a JWS signing input; the signature must be base64url of the
    /// length the loaded key's `alg` makes.
    pub fn sign(&mut self, input: &str) -> Result<String, Error> {
        let step = "sign";
        let signature = self
            .stage
            .call(step, |b, s| b.acmebox_stages_signer().call_sign(s, input))?;
        let key = self.loaded(step)?;
        check_signature(key, &signature).map_err(|m| refuse(Stage::Account, step, m))?;
        Ok(signature)
    }

    /// Read the external account MAC key file `name` in `/eab` (RFC 8555
    /// §7.3.4, `--eab-hmac-key-file`) into the stage.
    pub fn load_external_account_key(&mut self, name: &str) -> Result<(), Error> {
        let step = "read external account MAC key";
        self.stage.call(step, |b, s| {
            b.acmebox_stages_external_account().call_load(s, name)
        })
    }

    /// The HS256 MAC of `input` with the loaded MAC key: base64url of 32
    /// bytes, or the stage is refused.
    pub fn external_account_mac(&mut self, input: &str) -> Result<String, Error> {
        let step = "external account binding";
        let mac = self.stage.call(step, |b, s| {
            b.acmebox_stages_external_account().call_mac(s, input)
        })?;
        if base64url_len(&mac) != Some(32) || !is_base64url(&mac) {
            return Err(refuse(
                Stage::Account,
                step,
                format!("MAC {:?} is not base64url of 32 bytes", excerpt(&mac)),
            ));
        }
        Ok(mac)
    }

    /// The key read, without which no answer can be checked.
    fn loaded(&self, step: &'static str) -> Result<&AccountKey, Error> {
        self.key.as_ref().ok_or_else(|| Error::Stage {
            stage: Stage::Account,
            step,
            message: "no account key was read".into(),
        })
    }
}

/// The WIT key type for `kind`.
fn wit_key_type(kind: KeyType) -> WitKeyType {
    match kind {
        KeyType::P256 => WitKeyType::P256,
        KeyType::P384 => WitKeyType::P384,
        KeyType::Rsa2048 => WitKeyType::Rsa2048,
        KeyType::Rsa3072 => WitKeyType::Rsa3072,
        KeyType::Rsa4096 => WitKeyType::Rsa4096,
    }
}

/// The public key of each `alg`: the JWK's members before `x`/`n`, and the
/// base64url lengths of its coordinates (EC) or the bytes of its modulus
/// (RSA, 2048 to 4096 bits).
enum Shape {
    Ec {
        prefix: &'static str,
        coordinate: usize,
        signature: usize,
    },
    Rsa,
}

fn shape(alg: &str) -> Option<Shape> {
    match alg {
        "ES256" => Some(Shape::Ec {
            prefix: r#"{"crv":"P-256","kty":"EC","x":""#,
            coordinate: 32,
            signature: 64,
        }),
        "ES384" => Some(Shape::Ec {
            prefix: r#"{"crv":"P-384","kty":"EC","x":""#,
            coordinate: 48,
            signature: 96,
        }),
        "RS256" => Some(Shape::Rsa),
        _ => None,
    }
}

/// RSA moduli acmebox accepts, in bytes (2048 to 4096 bits).
const RSA_BYTES: std::ops::RangeInclusive<usize> = 256..=512;

/// A key goes into every JWS and its thumbprint into token files the ACME
/// server reads: the `alg` must be known, the JWK exactly the RFC 7638 text
/// for it, and the thumbprint the base64url SHA-256 of exactly that text.
/// Also the check of the domain-key stage's signer (stages/signer.rs).
pub(crate) fn check_key(key: &AccountKey) -> Result<(), String> {
    let Some(shape) = shape(&key.alg) else {
        return Err(format!("unknown alg {:?}", key.alg));
    };
    modulus_bytes(&shape, &key.jwk).map_err(|why| {
        format!(
            "JWK {:?} is not an RFC 7638 {} public key: {why}",
            excerpt(&key.jwk),
            key.alg
        )
    })?;
    let thumbprint = base64url(&Sha256::digest(key.jwk.as_bytes()));
    if key.thumbprint != thumbprint {
        return Err(format!(
            "thumbprint {:?} is not the JWK's (base64url SHA-256 of its RFC 7638 text: {thumbprint})",
            excerpt(&key.thumbprint)
        ));
    }
    Ok(())
}

/// Check the JWK's text against `shape`; for RSA, the modulus length in
/// bytes (what an RS256 signature is long).
fn modulus_bytes(shape: &Shape, jwk: &str) -> Result<usize, String> {
    let member = |value: &str, what: &str, len: Option<usize>| match base64url_len(value) {
        Some(n) if len.is_none_or(|len| n == len) => Ok(n),
        Some(n) => Err(format!("{what} is {n} bytes")),
        None => Err(format!("{what} is not base64url")),
    };
    match shape {
        Shape::Ec {
            prefix, coordinate, ..
        } => {
            let rest = jwk.strip_prefix(prefix).ok_or("members or curve differ")?;
            let (x, y) = rest
                .strip_suffix("\"}")
                .and_then(|r| r.split_once(r#"","y":""#))
                .ok_or("members differ")?;
            member(x, "x", Some(*coordinate))?;
            member(y, "y", Some(*coordinate))?;
            Ok(0)
        }
        Shape::Rsa => {
            let (e, n) = jwk
                .strip_prefix(r#"{"e":""#)
                .and_then(|r| r.strip_suffix("\"}"))
                .and_then(|r| r.split_once(r#"","kty":"RSA","n":""#))
                .ok_or("members differ")?;
            let e = member(e, "e", None)?;
            if e > 8 || e == 0 {
                return Err(format!("e is {e} bytes"));
            }
            let n = member(n, "n", None)?;
            if !RSA_BYTES.contains(&n) {
                return Err(format!("n is {n} bytes, not a 2048 to 4096-bit modulus"));
            }
            Ok(n)
        }
    }
}

/// A JWS signature (RFC 7518 §3.4: ECDSA is R || S, each as long as a
/// coordinate; §3.3: RSA is as long as the modulus), base64url.
pub(crate) fn check_signature(key: &AccountKey, signature: &str) -> Result<(), String> {
    let want = match shape(&key.alg) {
        Some(Shape::Ec { signature, .. }) => signature,
        Some(shape @ Shape::Rsa) => modulus_bytes(&shape, &key.jwk)?,
        None => return Err(format!("unknown alg {:?}", key.alg)),
    };
    if !is_base64url(signature) {
        return Err(format!(
            "signature {:?} is not base64url",
            excerpt(signature)
        ));
    }
    match base64url_len(signature) {
        Some(n) if n == want => Ok(()),
        Some(n) => Err(format!(
            "signature of {n} bytes; {} signatures with this key are {want}",
            key.alg
        )),
        None => Err(format!(
            "signature of {} base64url characters, a length no bytes encode to",
            signature.len()
        )),
    }
}

/// At most 60 characters of an untrusted value, for an error message.
fn excerpt(s: &str) -> String {
    let mut out: String = s.chars().take(60).collect();
    if out.len() < s.len() {
        out.push_str("...");
    }
    out
}
