//! `--verify-with` (lacme's `CAfile`): whether a chain leads to one of the
//! user's trust anchors. lacme runs `openssl verify -CAfile`; this is the
//! part of RFC 5280 §6's path validation that a certificate from an ACME CA
//! needs checked: names, signatures, CA-ness of issuers and validity, from
//! the leaf up to an anchor. Policies, name constraints and path lengths
//! are not checked; the leaf's own names, key and dates are `check`'s.
//!
//! Anchors are looked for first ("trusted first", as openssl does): at each
//! certificate, from the leaf, an anchor that issued and signed it ends the
//! walk, whatever follows in the chain. So a chain that carries the root
//! itself, or a cross-signed copy of it, passes when the file holds the
//! root; and an anchor is recognised by its name and key (RFC 5280 §6.1.1
//! (d)), not by being byte for byte a certificate of the chain.

use x509_parser::certificate::{X509Certificate, X509CertificateParser};
use x509_parser::extensions::BasicConstraints;
use x509_parser::nom::Parser as _;
use x509_parser::oid_registry::OID_X509_EXT_BASIC_CONSTRAINTS;
use x509_parser::prelude::FromDer;

use crate::date::utc;
use crate::{chain, dn, pem};

/// Most trust anchors accepted in one file: a system bundle of every web
/// PKI root holds about 150.
pub const MAX_ANCHORS: usize = 1000;

/// The DER of every certificate in the trust anchors' PEM `input`, each
/// checked to parse as X.509: at least one, at most [`MAX_ANCHORS`], and
/// nothing but `CERTIFICATE` blocks.
pub fn anchors(input: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    if input.len() > pem::MAX_INPUT {
        return Err(format!(
            "the trust anchors are {} bytes, more than the {} accepted",
            input.len(),
            pem::MAX_INPUT
        ));
    }
    let blocks = pem::split(input).map_err(|e| format!("the trust anchors: {e}"))?;
    if let Some((index, block)) = blocks
        .iter()
        .enumerate()
        .find(|(_, b)| b.label != pem::CERTIFICATE)
    {
        return Err(format!(
            "trust anchor block {} is {:?}, not a certificate",
            index + 1,
            block.label
        ));
    }
    if blocks.is_empty() {
        return Err("no certificate among the trust anchors".to_string());
    }
    if blocks.len() > MAX_ANCHORS {
        return Err(format!(
            "{} trust anchors; at most {MAX_ANCHORS} are accepted",
            blocks.len()
        ));
    }
    let ders: Vec<Vec<u8>> = blocks.into_iter().map(|b| b.der).collect();
    parse(&ders)?;
    Ok(ders)
}

/// Each anchor's DER parsed; an error names the anchor by its place.
fn parse(ders: &[Vec<u8>]) -> Result<Vec<X509Certificate<'_>>, String> {
    ders.iter()
        .enumerate()
        .map(|(index, der)| {
            match X509CertificateParser::new()
                .with_deep_parse_extensions(false)
                .parse(der)
            {
                Ok(([], cert)) => Ok(cert),
                Ok((rest, _)) => Err(format!(
                    "trust anchor {} has {} stray bytes after its DER encoding",
                    index + 1,
                    rest.len()
                )),
                Err(e) => Err(format!(
                    "trust anchor {} is not a valid X.509 certificate: {e}",
                    index + 1
                )),
            }
        })
        .collect()
}

/// Checks that the chain in `chain_pem` (leaf first) leads to one of the
/// anchors in `anchors_pem` at `now` (Unix seconds), and returns that
/// anchor's subject, formatted. From the leaf up, for each certificate:
/// when an anchor has its issuer's name and its signature verifies with
/// that anchor's key, and the anchor is valid at `now`, the chain passes;
/// otherwise the next certificate of the chain must be its issuer (name and
/// signature), a CA (basicConstraints cA), and valid at `now`. The chain
/// fails when it ends before an anchor.
pub fn verify(chain_pem: &[u8], anchors_pem: &[u8], now: i64) -> Result<String, String> {
    let ders = pem::certificates(chain_pem)?;
    let certs = chain::parse(&ders)?;
    let anchor_ders = anchors(anchors_pem)?;
    let anchors = parse(&anchor_ders)?;
    for (index, cert) in certs.iter().enumerate() {
        let n = index + 1;
        if let Some(anchor) = issuing_anchor(cert, &anchors, now)? {
            return Ok(dn::format(anchor.subject()));
        }
        let Some(issuer) = certs.get(index + 1) else {
            return Err(no_anchor(cert, n, &anchors));
        };
        let m = n + 1;
        if cert.issuer().as_raw() != issuer.subject().as_raw() {
            return Err(format!(
                "certificate {n} ({}) was issued by {}, but certificate {m} is {}, and no \
                 trust anchor issued it",
                dn::format(cert.subject()),
                dn::format(cert.issuer()),
                dn::format(issuer.subject())
            ));
        }
        if cert.verify_signature(Some(issuer.public_key())).is_err() {
            return Err(format!(
                "certificate {n} ({}) is not signed by certificate {m} ({})",
                dn::format(cert.subject()),
                dn::format(issuer.subject())
            ));
        }
        if !is_ca(issuer)? {
            return Err(format!(
                "certificate {m} ({}) issued certificate {n} but is not a CA (its \
                 basicConstraints do not say cA)",
                dn::format(issuer.subject())
            ));
        }
        valid_at(issuer, &format!("certificate {m}"), now)?;
    }
    Err("no certificate in the chain".to_string())
}

/// The anchor that issued and signed `cert`, if one did and is valid at
/// `now`; an error when the only anchors that did are not valid then.
fn issuing_anchor<'a>(
    cert: &X509Certificate<'_>,
    anchors: &'a [X509Certificate<'a>],
    now: i64,
) -> Result<Option<&'a X509Certificate<'a>>, String> {
    let mut expired = None;
    for (index, anchor) in anchors.iter().enumerate() {
        if anchor.subject().as_raw() != cert.issuer().as_raw()
            || cert.verify_signature(Some(anchor.public_key())).is_err()
        {
            continue;
        }
        match valid_at(anchor, &format!("trust anchor {}", index + 1), now) {
            Ok(()) => return Ok(Some(anchor)),
            Err(e) => expired = expired.or(Some(e)),
        }
    }
    match expired {
        Some(e) => Err(e),
        None => Ok(None),
    }
}

/// Why `cert`, the `n`th and last of the chain, leads to no anchor.
fn no_anchor(cert: &X509Certificate<'_>, n: usize, anchors: &[X509Certificate<'_>]) -> String {
    let named = anchors
        .iter()
        .any(|a| a.subject().as_raw() == cert.issuer().as_raw());
    let why = if named {
        "but not signed by the key of the trust anchor of that name"
    } else {
        "which is none of the trust anchors"
    };
    format!(
        "the chain's last certificate (certificate {n}, {}) is issued by {}, {why}",
        dn::format(cert.subject()),
        dn::format(cert.issuer())
    )
}

/// Whether `cert`'s basicConstraints say cA (RFC 5280 §4.2.1.9); no such
/// extension is not a CA. Two of them, or one that does not parse, are
/// errors.
fn is_ca(cert: &X509Certificate<'_>) -> Result<bool, String> {
    let mut found = cert
        .extensions()
        .iter()
        .filter(|e| e.oid == OID_X509_EXT_BASIC_CONSTRAINTS);
    let Some(ext) = found.next() else {
        return Ok(false);
    };
    if found.next().is_some() {
        return Err(format!(
            "{} has two basicConstraints extensions",
            dn::format(cert.subject())
        ));
    }
    match BasicConstraints::from_der(ext.value) {
        Ok(([], constraints)) => Ok(constraints.ca),
        _ => Err(format!(
            "{}'s basicConstraints extension is invalid",
            dn::format(cert.subject())
        )),
    }
}

/// Checks that `now` is within `cert`'s validity (both ends included);
/// `what` names it in the error.
fn valid_at(cert: &X509Certificate<'_>, what: &str, now: i64) -> Result<(), String> {
    let not_before = cert.validity().not_before.timestamp();
    let not_after = cert.validity().not_after.timestamp();
    if now < not_before {
        Err(format!(
            "{what} ({}) is not valid yet: its validity starts at {}, and now is {}",
            dn::format(cert.subject()),
            utc(not_before),
            utc(now)
        ))
    } else if now > not_after {
        Err(format!(
            "{what} ({}) expired at {}, and now is {}",
            dn::format(cert.subject()),
            utc(not_after),
            utc(now)
        ))
    } else {
        Ok(())
    }
}
