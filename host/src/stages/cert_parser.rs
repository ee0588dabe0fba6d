//! The cert-parser stage (wit/cert-parser.wit): certificates in, typed values
//! out. What it returns is checked again here.

use super::{load_plain, refuse};
use crate::error::Error;
use crate::grant::Grant;
use crate::sandbox::{Runtime, Sandboxed};

mod bindings {
    wasmtime::component::bindgen!({ world: "cert-parser", path: "../wit" });
}

pub use bindings::exports::acmebox::stages::x509::ChainInfo;

/// The step name of [`CertParser::inspect`], in errors.
pub const INSPECT: &str = "parse existing certificate";

/// The cert-parser stage in its sandbox.
pub type CertParser = Sandboxed<(), bindings::CertParser>;

/// Load the cert-parser stage with its grant.
pub fn load(rt: &Runtime, grant: &Grant) -> Result<CertParser, Error> {
    load_plain(rt, grant, |s, c, l| {
        bindings::CertParser::instantiate(s, c, l)
    })
}

impl CertParser {
    /// Parse a PEM chain without checking it (`chain_linked` says whether
    /// its certificates link up).
    pub fn inspect(&mut self, pem: &[u8]) -> Result<ChainInfo, Error> {
        let info = self.call(INSPECT, |b, s| b.acmebox_stages_x509().call_inspect(s, pem))?;
        check_pem(INSPECT, &info)?;
        Ok(info)
    }

    /// Parse and check a downloaded chain against the names and key; the
    /// answer is checked again against the same names.
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
        check_pem(step, &info)?;
        if info.spki != spki || !info.chain_linked {
            return Err(refuse(
                step,
                "cert-parser passed a certificate whose key or chain it reports as wrong".into(),
            ));
        }
        if !same_names(&info.names, names) {
            return Err(refuse(
                step,
                format!(
                    "cert-parser returned names {:?}, not {:?}",
                    info.names, names
                ),
            ));
        }
        if info.not_after <= now {
            return Err(refuse(
                step,
                "cert-parser returned an expired certificate".into(),
            ));
        }
        Ok(info)
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

/// What the file-writer will install must be PEM certificates only: armour
/// lines and base64, nothing a stage could smuggle in.
fn check_pem(step: &'static str, info: &ChainInfo) -> Result<(), Error> {
    for (what, pem) in [("cert.pem", &info.cert_pem), ("chain.pem", &info.chain_pem)] {
        let ok = pem.lines().all(|l| {
            l == "-----BEGIN CERTIFICATE-----"
                || l == "-----END CERTIFICATE-----"
                || l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b))
        });
        if !ok || (what == "cert.pem" && !pem.starts_with("-----BEGIN CERTIFICATE-----")) {
            return Err(refuse(
                step,
                format!("cert-parser returned a malformed {what}"),
            ));
        }
    }
    Ok(())
}
