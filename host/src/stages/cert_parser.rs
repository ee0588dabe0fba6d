//! The cert-parser stage (wit/cert-parser.wit): certificates and certificate
//! requests in, typed values out. What it returns is checked again here.

use super::{embedded, load_plain, refuse};
use crate::error::Error;
use crate::grant::Grant;
use crate::sandbox::{Runtime, Sandboxed};
use crate::stage::Stage;
use crate::validate;
use wasmtime::component::Component;

mod bindings {
    wasmtime::component::bindgen!({ world: "cert-parser", path: "../wit" });
}

pub use bindings::exports::acmebox::stages::x509::{ChainInfo, CsrInfo, NameAttribute};

/// The latest notAfter the host believes, as seconds after "now": ten years
/// (3653 days). An ACME CA issues for months; a stage answering more (up to
/// `i64::MAX`) would make a certificate look fresh forever.
pub const MAX_NOT_AFTER_AHEAD: i64 = 3653 * 86_400;

/// The step name of [`CertParser::inspect`], in errors.
pub const INSPECT: &str = "parse existing certificate";

/// The longest anchor name the host takes from `verify-chain`, in bytes: a
/// subject, formatted.
pub const MAX_ANCHOR_NAME: usize = 4096;

/// The cert-parser stage in its sandbox.
pub type CertParser = Sandboxed<(), bindings::CertParser>;

/// Load the cert-parser stage with its grant.
pub fn load(rt: &Runtime, grant: &Grant) -> Result<CertParser, Error> {
    load_component(rt, grant, &embedded(rt, grant.name)?)
}

/// Load `component` as the cert-parser stage, with its grant: the way
/// [`load`] loads the embedded one (see [`Source`](super::Source)).
pub fn load_component(
    rt: &Runtime,
    grant: &Grant,
    component: &Component,
) -> Result<CertParser, Error> {
    load_plain(rt, grant, component, |s, c, l| {
        bindings::CertParser::instantiate(s, c, l)
    })
}

impl CertParser {
    /// Parse a PEM chain without checking it (the installed cert.pem, for
    /// the up-to-date check at `now`; `chain_linked` says whether its
    /// certificates link up): its notAfter may be past, but not more than
    /// [`MAX_NOT_AFTER_AHEAD`] after `now`.
    pub fn inspect(&mut self, pem: &[u8], now: i64) -> Result<ChainInfo, Error> {
        let info = self.call(INSPECT, |b, s| b.acmebox_stages_x509().call_inspect(s, pem))?;
        check_pem(INSPECT, &info, 0)?;
        check_not_after_ahead(INSPECT, info.not_after, now)?;
        check_validity_order(INSPECT, &info)?;
        check_renewal_id(INSPECT, &info)?;
        Ok(info)
    }

    /// The certificate in `pem` (cert.pem), to revoke: [`CertParser::inspect`]
    /// at `now`, and its `leaf_der` must be exactly what its `cert_pem`
    /// encodes (the host encodes, never decodes), non-empty and at most
    /// [`crate::certdir::MAX_READ`] bytes.
    pub fn inspect_for_revocation(&mut self, pem: &[u8], now: i64) -> Result<ChainInfo, Error> {
        let info = self.inspect(pem, now)?;
        let size = info.leaf_der.len();
        if size == 0 || size as u64 > crate::certdir::MAX_READ {
            return Err(refuse(
                Stage::CertParser,
                INSPECT,
                format!("returned a leaf DER of {size} bytes"),
            ));
        }
        if validate::pem_certificate(&info.leaf_der) != info.cert_pem {
            return Err(refuse(
                Stage::CertParser,
                INSPECT,
                "returned a leaf DER that is not the certificate its cert.pem encodes".into(),
            ));
        }
        Ok(info)
    }

    /// Parse and check a downloaded chain against the names and key; the
    /// answer is checked again: the same names, valid at `now` and not more
    /// than [`MAX_NOT_AFTER_AHEAD`] after it, one certificate in cert.pem
    /// and at least one in chain.pem.
    pub fn check(
        &mut self,
        pem: &[u8],
        names: &[String],
        spki: &[u8],
        now: i64,
    ) -> Result<ChainInfo, Error> {
        let step = "check certificate";
        let info = self.call(step, |b, s| {
            b.acmebox_stages_x509().call_check(s, pem, names, spki, now)
        })?;
        check_pem(step, &info, 1)?;
        if info.spki != spki || !info.chain_linked {
            return Err(refuse(
                Stage::CertParser,
                step,
                "passed a certificate whose key or chain it reports as wrong".into(),
            ));
        }
        if !same_names(&info.names, names) {
            return Err(refuse(
                Stage::CertParser,
                step,
                format!("returned names {:?}, not {:?}", info.names, names),
            ));
        }
        if info.not_after <= now {
            return Err(refuse(
                Stage::CertParser,
                step,
                format!(
                    "returned an expired certificate (notAfter {}, now {now})",
                    info.not_after
                ),
            ));
        }
        check_not_after_ahead(step, info.not_after, now)?;
        check_validity_order(step, &info)?;
        check_renewal_id(step, &info)?;
        Ok(info)
    }

    /// The names and SubjectPublicKeyInfo of a DER certificate request, its
    /// self-signature verified (for [`check_csr`](super::domain_key::check_csr)).
    pub fn inspect_csr(&mut self, der: &[u8]) -> Result<CsrInfo, Error> {
        self.call("check CSR", |b, s| {
            b.acmebox_stages_x509().call_inspect_csr(s, der)
        })
    }

    /// Parse the trust anchors of `--verify-with` (PEM certificates, the
    /// host's `count` of them); the stage's count must be `count`.
    pub fn inspect_anchors(&mut self, pem: &[u8], count: usize) -> Result<(), Error> {
        let step = "read trust anchors";
        let found = self.call(step, |b, s| {
            b.acmebox_stages_x509().call_inspect_anchors(s, pem)
        })?;
        if usize::try_from(found).ok() != Some(count) {
            return Err(refuse(
                Stage::CertParser,
                step,
                format!("counted {found} trust anchors where the host handed over {count}"),
            ));
        }
        Ok(())
    }

    /// Check that the PEM chain `pem` (leaf first) leads to one of the
    /// trust anchors `anchors` at `now`: the anchor's subject, one line of
    /// at most [`MAX_ANCHOR_NAME`] bytes. What cert-parser says is all the
    /// host has: it parses no certificate.
    pub fn verify_chain(&mut self, pem: &[u8], anchors: &[u8], now: i64) -> Result<String, Error> {
        let step = "verify chain";
        let anchor = self.call(step, |b, s| {
            b.acmebox_stages_x509()
                .call_verify_chain(s, pem, anchors, now)
        })?;
        if anchor.is_empty() || anchor.len() > MAX_ANCHOR_NAME || anchor.contains('\n') {
            return Err(refuse(
                Stage::CertParser,
                step,
                format!(
                    "named the trust anchor with {} bytes over {} lines",
                    anchor.len(),
                    anchor.lines().count()
                ),
            ));
        }
        Ok(anchor)
    }
}

/// Whether two name lists hold the same set of names.
pub fn same_names(a: &[String], b: &[String]) -> bool {
    let set = |v: &[String]| {
        v.iter()
            .map(|s| s.to_ascii_lowercase())
            .collect::<std::collections::BTreeSet<_>>()
    };
    set(a) == set(b)
}

/// notBefore must come before notAfter: the renewal rule for short-lived
/// certificates (fresh.rs) divides their difference.
fn check_validity_order(step: &'static str, info: &ChainInfo) -> Result<(), Error> {
    if info.not_before >= info.not_after {
        return Err(refuse(
            Stage::CertParser,
            step,
            format!(
                "returned notBefore {} not before notAfter {}",
                info.not_before, info.not_after
            ),
        ));
    }
    Ok(())
}

/// The longest renewal information identifier accepted: a key identifier
/// and a serial of at most 64 bytes each, base64url, and the dot.
pub const MAX_RENEWAL_ID: usize = 2 * 86 + 1;

/// A renewal information identifier (RFC 9773 §4.1) is sent to the server
/// and stored beside the certificate (flows/ari.rs): two non-empty
/// base64url parts joined by a dot, at most [`MAX_RENEWAL_ID`] bytes.
fn check_renewal_id(step: &'static str, info: &ChainInfo) -> Result<(), Error> {
    let Some(id) = &info.renewal_id else {
        return Ok(());
    };
    let ok = id.len() <= MAX_RENEWAL_ID
        && id
            .split_once('.')
            .is_some_and(|(k, s)| validate::is_base64url(k) && validate::is_base64url(s));
    if ok {
        return Ok(());
    }
    Err(refuse(
        Stage::CertParser,
        step,
        format!(
            "returned a renewal information identifier {:?} that is not two base64url parts",
            id.chars().take(80).collect::<String>()
        ),
    ))
}

fn check_not_after_ahead(step: &'static str, not_after: i64, now: i64) -> Result<(), Error> {
    if not_after.saturating_sub(now) > MAX_NOT_AFTER_AHEAD {
        return Err(refuse(
            Stage::CertParser,
            step,
            format!(
                "returned notAfter {not_after}, more than ten years after now ({now}): \
                 no CA issues that"
            ),
        ));
    }
    Ok(())
}

/// What the file-writer will install must be PEM certificates exactly as
/// cert-parser encodes them, nothing a stage could smuggle in (text outside
/// the armour, a key): one in cert.pem, at least `chain_min` in chain.pem.
fn check_pem(step: &'static str, info: &ChainInfo, chain_min: usize) -> Result<(), Error> {
    for (what, pem, min, max) in [
        ("cert.pem", &info.cert_pem, 1, 1),
        ("chain.pem", &info.chain_pem, chain_min, usize::MAX),
    ] {
        let count = validate::pem_certificates(pem).map_err(|why| {
            refuse(
                Stage::CertParser,
                step,
                format!("returned a {what} that is not certificates in PEM: {why}"),
            )
        })?;
        if count < min || count > max {
            return Err(refuse(
                Stage::CertParser,
                step,
                format!("returned a {what} of {count} certificates"),
            ));
        }
    }
    Ok(())
}
