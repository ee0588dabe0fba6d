//! The acmebox `cert-parser` stage (acme-client's certproc): it turns
//! untrusted PEM bytes, as downloaded from the ACME server or read back from
//! cert.pem, into typed values, and checks a downloaded chain.
//!
//! It has no file system, network, clock or randomness: the time comes in
//! as an argument. The logic lives in plain functions ([`inspect`],
//! [`check`], [`inspect_csr`], [`inspect_anchors`], [`verify_chain`]) that
//! are unit-tested natively; the WIT glue only converts.

#![deny(unsafe_code)]

mod ari;
mod chain;
mod csr;
mod date;
mod dn;
mod pem;
#[cfg(test)]
mod tests;
mod verify;

/// Bindings for the `cert-parser` world (generated code needs `unsafe`).
///
/// The exports are only emitted for wasm32: their symbol names (such as
/// `acmebox:stages/x509@0.1.0#check`) do not link into a native cdylib,
/// and native builds exist only for the unit tests.
#[allow(unsafe_code)]
mod bindings {
    wit_bindgen::generate!({ world: "cert-parser", path: "../../wit" });

    #[cfg(target_arch = "wasm32")]
    use super::Component;
    #[cfg(target_arch = "wasm32")]
    export!(Component);
}

use bindings::exports::acmebox::stages::x509::{ChainInfo, CsrInfo, Guest, NameAttribute};
pub use chain::Info;

/// The component: implements the exported `x509` interface.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
struct Component;

impl Guest for Component {
    fn inspect(pem: Vec<u8>) -> Result<ChainInfo, String> {
        inspect(&pem).map(ChainInfo::from)
    }

    fn check(
        pem: Vec<u8>,
        names: Vec<String>,
        spki: Vec<u8>,
        now: i64,
    ) -> Result<ChainInfo, String> {
        check(&pem, &names, &spki, now).map(ChainInfo::from)
    }

    fn inspect_csr(der: Vec<u8>) -> Result<CsrInfo, String> {
        csr::inspect(&der).map(|info| CsrInfo {
            names: info.names,
            spki: info.spki,
            subject: info
                .subject
                .into_iter()
                .map(|(oid, value)| NameAttribute { oid, value })
                .collect(),
            key_usage: info.key_usage,
            tls_features: info.tls_features,
        })
    }

    fn inspect_anchors(anchors: Vec<u8>) -> Result<u32, String> {
        inspect_anchors(&anchors).map(|n| u32::try_from(n).unwrap_or(u32::MAX))
    }

    fn verify_chain(pem: Vec<u8>, anchors: Vec<u8>, now: i64) -> Result<String, String> {
        verify_chain(&pem, &anchors, now)
    }
}

impl From<Info> for ChainInfo {
    fn from(info: Info) -> Self {
        ChainInfo {
            names: info.names,
            not_before: info.not_before,
            not_after: info.not_after,
            serial: info.serial,
            cert_pem: info.cert_pem,
            leaf_der: info.leaf_der,
            chain_pem: info.chain_pem,
            spki: info.spki,
            chain_linked: info.chain_linked,
            top_issuer: info.top_issuer,
            renewal_id: info.renewal_id,
        }
    }
}

/// Parses a PEM chain (leaf first) without checking it against anything;
/// [`Info::chain_linked`] says whether each certificate is issued and signed
/// by the next (the chain test of [`check`], without its name, key and time
/// checks).
pub fn inspect(pem: &[u8]) -> Result<Info, String> {
    let ders = pem::certificates(pem)?;
    let certs = chain::parse(&ders)?;
    let linked = chain::check_signatures(&certs).is_ok();
    chain::info(&certs, &ders, linked)
}

/// Parses a PEM chain and checks it: the leaf's public key is `spki` (DER),
/// its names are exactly `names` (case and order aside), it is valid at
/// `now` (Unix seconds), and each certificate is issued and signed by the
/// next one.
pub fn check<S: AsRef<str>>(
    pem: &[u8],
    names: &[S],
    spki: &[u8],
    now: i64,
) -> Result<Info, String> {
    let ders = pem::certificates(pem)?;
    let certs = chain::parse(&ders)?;
    let linked = chain::check_signatures(&certs);
    let info = chain::info(&certs, &ders, linked.is_ok())?;
    let leaf = certs
        .first()
        .ok_or_else(|| "no certificate found in the PEM input".to_string())?;
    chain::check_key(leaf, spki)?;
    chain::check_names(&info.names, names)?;
    chain::check_validity(leaf, now)?;
    linked?;
    Ok(info)
}

/// Parses a DER certificate request and verifies its self-signature: its
/// names (subjectAltName dNSNames and subject common names, normalized) and
/// its SubjectPublicKeyInfo, for the host to compare (step 6).
pub fn inspect_csr(der: &[u8]) -> Result<csr::CsrInfo, String> {
    csr::inspect(der)
}

/// Parses trust anchors (`--verify-with`): PEM certificates, each a valid
/// X.509 certificate; how many there are.
pub fn inspect_anchors(anchors: &[u8]) -> Result<usize, String> {
    verify::anchors(anchors).map(|ders| ders.len())
}

/// Checks that the PEM chain `pem` (leaf first) leads to one of the trust
/// anchors `anchors` (PEM certificates) at `now` (Unix seconds), and names
/// the anchor (its subject): see [`verify::verify`].
pub fn verify_chain(pem: &[u8], anchors: &[u8], now: i64) -> Result<String, String> {
    verify::verify(pem, anchors, now)
}
