//! The domain-key stage (wit/domain-key.wit): the certificate key and the
//! CSR, and (to revoke with the certificate's own key) JWS signatures with
//! it, checked as the account stage's are.

use super::account::{self, AccountKey};
use super::cert_parser::{same_names, CertParser};
use super::{embedded, load_plain, refuse};
use crate::error::Error;
use crate::grant::Grant;
use crate::key_type::KeyType;
use crate::sandbox::{Runtime, Sandboxed};
use crate::stage::Stage;
use wasmtime::component::Component;

mod bindings {
    wasmtime::component::bindgen!({ world: "domain-key", path: "../wit" });
}

use bindings::exports::acmebox::stages::csr::KeyType as WitKeyType;
pub use bindings::exports::acmebox::stages::csr::LoadedKey;

/// The domain-key stage in its sandbox.
pub type DomainKey = Sandboxed<(), bindings::DomainKey>;

/// Load the domain-key stage with its grant.
pub fn load(rt: &Runtime, grant: &Grant) -> Result<DomainKey, Error> {
    load_component(rt, grant, &embedded(rt, grant.name)?)
}

/// Load `component` as the domain-key stage, with its grant: the way
/// [`load`] loads the embedded one (see [`Source`](super::Source)).
pub fn load_component(
    rt: &Runtime,
    grant: &Grant,
    component: &Component,
) -> Result<DomainKey, Error> {
    load_plain(rt, grant, component, |s, c, l| {
        bindings::DomainKey::instantiate(s, c, l)
    })
}

impl DomainKey {
    /// Read the key file `name` in `/key` (or, with `create`, make a key of
    /// that type there if there is none): its DER SubjectPublicKeyInfo, and
    /// whether it was created.
    pub fn load_key(&mut self, name: &str, create: Option<KeyType>) -> Result<LoadedKey, Error> {
        let kind = wit_key_type(create.unwrap_or_default());
        let loaded = self.call("read domain key", |b, s| {
            b.acmebox_stages_csr()
                .call_load(s, name, create.is_some(), kind)
        })?;
        super::check_created(
            Stage::DomainKey,
            "read domain key",
            loaded.created,
            create.is_some(),
        )?;
        Ok(loaded)
    }

    /// A DER CSR for `names`, asking for OCSP must-staple when `must_staple`
    /// (check it with [`check_csr`]).
    pub fn make_csr(&mut self, names: &[String], must_staple: bool) -> Result<Vec<u8>, Error> {
        self.call("make CSR", |b, s| {
            b.acmebox_stages_csr().call_make_csr(s, names, must_staple)
        })
    }

    /// The stage as a signer for the network stage (revocation with the
    /// certificate's own key), its answers checked ([`DomainSigner`]).
    pub fn into_signer(self) -> DomainSigner {
        DomainSigner {
            stage: self,
            key: None,
        }
    }
}

/// The domain-key stage signing JWS for the network stage, checked as the
/// account stage is (stages/account.rs): the first public key must be an
/// RFC 7638 JWK of a known `alg` with its thumbprint, every later one the
/// same, and each signature base64url of the length that `alg` makes.
/// Whether the JWK is the certificate's key the server checks: a stage
/// answering another key only makes the revocation fail.
pub struct DomainSigner {
    stage: DomainKey,
    key: Option<AccountKey>,
}

impl DomainSigner {
    /// The domain key's public half, as a JWK.
    pub fn public_key(&mut self) -> Result<AccountKey, Error> {
        let step = "public key";
        let got = self
            .stage
            .call(step, |b, s| b.acmebox_stages_signer().call_public_key(s))?;
        let key = AccountKey {
            alg: got.alg,
            jwk: got.jwk,
            thumbprint: got.thumbprint,
        };
        match &self.key {
            None => {
                account::check_key(&key).map_err(|m| refuse(Stage::DomainKey, step, m))?;
                self.key = Some(key.clone());
            }
            Some(first) if (&first.alg, &first.jwk) == (&key.alg, &key.jwk) => {}
            Some(first) => {
                return Err(refuse(
                    Stage::DomainKey,
                    step,
                    format!(
                        "returned another key ({} {}) than before ({} {})",
                        key.alg, key.thumbprint, first.alg, first.thumbprint
                    ),
                ))
            }
        }
        Ok(key)
    }

    /// Sign a JWS signing input; the signature must be base64url of the
    /// length the key's `alg` makes.
    pub fn sign(&mut self, input: &str) -> Result<String, Error> {
        let step = "sign";
        let signature = self
            .stage
            .call(step, |b, s| b.acmebox_stages_signer().call_sign(s, input))?;
        let key = self.key.as_ref().ok_or_else(|| Error::Stage {
            stage: Stage::DomainKey,
            step,
            message: "asked to sign before its public key was read".into(),
        })?;
        account::check_signature(key, &signature).map_err(|m| refuse(Stage::DomainKey, step, m))?;
        Ok(signature)
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

/// Check the CSR domain-key made (step 6) before it goes to the CA, without
/// the host parsing DER: `parser` (an instance of cert-parser of its own)
/// reads its names and key and verifies its self-signature; the names must
/// be exactly `names`, the key `spki`, what domain-key returned when it read
/// the key (step 5), which the new certificate is then checked against; and
/// it must ask for OCSP must-staple exactly when `must_staple` (`-O`).
pub fn check_csr(
    parser: &mut CertParser,
    csr: &[u8],
    names: &[String],
    spki: &[u8],
    must_staple: bool,
) -> Result<(), Error> {
    let step = "make CSR";
    let info = parser.inspect_csr(csr).map_err(|e| match e {
        // What cert-parser could not accept is domain-key's doing.
        Error::Stage { message, .. } => refuse(
            Stage::DomainKey,
            step,
            format!("the CSR does not check: {message}"),
        ),
        other => other,
    })?;
    if !same_names(&info.names, names) {
        return Err(refuse(
            Stage::DomainKey,
            step,
            format!(
                "the CSR is for {:?}, not the requested {:?}",
                info.names, names
            ),
        ));
    }
    if info.spki != spki {
        return Err(refuse(
            Stage::DomainKey,
            step,
            "the CSR's public key is not the domain key the stage read (step 5)".into(),
        ));
    }
    if info.must_staple != must_staple {
        let (has, asked) = match must_staple {
            true => ("does not ask", "-O was given"),
            false => ("asks", "-O was not given"),
        };
        return Err(refuse(
            Stage::DomainKey,
            step,
            format!("the CSR {has} for OCSP must-staple (RFC 7633) and {asked}"),
        ));
    }
    Ok(())
}
