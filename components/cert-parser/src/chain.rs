//! Parsing DER certificates with x509-parser, extracting what the host
//! needs from the leaf, and the checks `check` runs on a chain.
//!
//! Certificates are parsed without x509-parser's "deep" extension parsing:
//! that looks parsers up in a `std` `HashMap`, whose `RandomState` would
//! make the component import `wasi:random/insecure-seed`. The one extension
//! needed, subjectAltName, is parsed here on its own.

use x509_parser::certificate::{X509Certificate, X509CertificateParser};
use x509_parser::error::X509Error;
use x509_parser::extensions::{GeneralName, SubjectAlternativeName};
use x509_parser::nom::Parser as _;
use x509_parser::oid_registry::OID_X509_EXT_SUBJECT_ALT_NAME;
use x509_parser::prelude::FromDer;

use crate::date::utc;
use crate::dn;
use crate::pem::{encode, CERTIFICATE};

/// What the host needs to know about a chain (the WIT `chain-info`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Info {
    /// The leaf's names: lower-cased, sorted, deduplicated.
    pub names: Vec<String>,
    /// The leaf's notBefore, in Unix seconds.
    pub not_before: i64,
    /// The leaf's notAfter, in Unix seconds.
    pub not_after: i64,
    /// The leaf's serial number in lower-case hex.
    pub serial: String,
    /// The leaf as canonical PEM.
    pub cert_pem: String,
    /// The leaf's DER, what `cert_pem` encodes (for revocation).
    pub leaf_der: Vec<u8>,
    /// The other certificates as canonical PEM, concatenated.
    pub chain_pem: String,
    /// The leaf's SubjectPublicKeyInfo, DER, as it appears in the leaf.
    pub spki: Vec<u8>,
    /// Whether [`check_signatures`] passes: there is an issuer, and each
    /// certificate is issued and signed by the next.
    pub chain_linked: bool,
    /// The common name of the issuer of the chain's topmost (last)
    /// certificate, what `--preferred-chain` matches (RFC 8555 §7.4.2's
    /// alternate chains differ there); empty when it has none.
    pub top_issuer: String,
    /// The leaf's renewal information identifier (RFC 9773 §4.1, ari.rs);
    /// `None` without a usable authorityKeyIdentifier.
    pub renewal_id: Option<String>,
}

/// Parses each DER certificate; `ders[0]` is the leaf.
pub fn parse(ders: &[Vec<u8>]) -> Result<Vec<X509Certificate<'_>>, String> {
    ders.iter()
        .enumerate()
        .map(|(index, der)| match parser().parse(der) {
            Ok(([], cert)) => Ok(cert),
            Ok((rest, _)) => Err(format!(
                "certificate {} has {} stray bytes after its DER encoding",
                index + 1,
                rest.len()
            )),
            Err(e) => Err(format!(
                "certificate {} is not a valid X.509 certificate: {e}",
                index + 1
            )),
        })
        .collect()
}

/// An X.509 parser that leaves extensions as raw bytes.
fn parser() -> X509CertificateParser {
    X509CertificateParser::new().with_deep_parse_extensions(false)
}

/// Builds the [`Info`] of a parsed chain whose DER encodings are `ders`;
/// `chain_linked` is what [`check_signatures`] found.
pub fn info(
    certs: &[X509Certificate<'_>],
    ders: &[Vec<u8>],
    chain_linked: bool,
) -> Result<Info, String> {
    let (leaf, leaf_der) = certs
        .first()
        .zip(ders.first())
        .ok_or_else(|| "no certificate found in the PEM input".to_string())?;
    Ok(Info {
        names: names(leaf)?,
        not_before: leaf.validity().not_before.timestamp(),
        not_after: leaf.validity().not_after.timestamp(),
        serial: format!("{:x}", leaf.serial),
        cert_pem: encode(CERTIFICATE, leaf_der),
        leaf_der: leaf_der.clone(),
        chain_pem: ders
            .iter()
            .skip(1)
            .map(|der| encode(CERTIFICATE, der))
            .collect(),
        spki: leaf.public_key().raw.to_vec(),
        chain_linked,
        top_issuer: certs
            .last()
            .and_then(|top| crate::dn::common_name(top.issuer()))
            .unwrap_or_default(),
        // A certificate whose identifier cannot be made is renewed by the
        // old rules: its malformed extension is not this check's business.
        renewal_id: crate::ari::renewal_id(leaf).ok().flatten(),
    })
}

/// The leaf's names: its subjectAltName dNSName and iPAddress entries (an
/// address as [`ip_text`] writes it, RFC 8738 §3) or, when it has no
/// subjectAltName extension, its subject common names; normalized.
pub fn names(leaf: &X509Certificate<'_>) -> Result<Vec<String>, String> {
    let names = match subject_alt_name(leaf)? {
        Some(san) => san
            .general_names
            .iter()
            .filter_map(|name| match name {
                GeneralName::DNSName(dns) => Some(dns.to_string()),
                GeneralName::IPAddress(bytes) => ip_text(bytes),
                _ => None,
            })
            .collect(),
        None => leaf
            .subject()
            .iter_common_name()
            .map(|cn| {
                cn.as_str()
                    .map(str::to_string)
                    .map_err(|e| format!("the leaf certificate's common name is not a string: {e}"))
            })
            .collect::<Result<Vec<_>, _>>()?,
    };
    Ok(normalize(&names))
}

/// The leaf's subjectAltName extension, if it has one.
fn subject_alt_name<'a>(
    leaf: &X509Certificate<'a>,
) -> Result<Option<SubjectAlternativeName<'a>>, String> {
    let mut found = leaf
        .extensions()
        .iter()
        .filter(|ext| ext.oid == OID_X509_EXT_SUBJECT_ALT_NAME);
    let Some(ext) = found.next() else {
        return Ok(None);
    };
    if found.next().is_some() {
        return Err("the leaf certificate has two subjectAltName extensions".to_string());
    }
    match SubjectAlternativeName::from_der(ext.value) {
        Ok(([], san)) => Ok(Some(san)),
        Ok(_) => Err("the leaf certificate's subjectAltName extension has stray bytes".to_string()),
        Err(e) => Err(format!(
            "the leaf certificate's subjectAltName extension is invalid: {e}"
        )),
    }
}

/// Lower-cases (ASCII), sorts and deduplicates names.
pub fn normalize<S: AsRef<str>>(names: &[S]) -> Vec<String> {
    let mut out: Vec<String> = names
        .iter()
        .map(|n| n.as_ref().to_ascii_lowercase())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// An iPAddress subjectAltName's octets (RFC 5280 §4.2.1.6: 4 for IPv4, 16
/// for IPv6) as text, IPv6 in RFC 5952's canonical form, the way the host
/// writes a requested address; `None` for any other length.
pub fn ip_text(bytes: &[u8]) -> Option<String> {
    if let Ok(v4) = <[u8; 4]>::try_from(bytes) {
        return Some(std::net::Ipv4Addr::from(v4).to_string());
    }
    let v6 = <[u8; 16]>::try_from(bytes).ok()?;
    Some(std::net::Ipv6Addr::from(v6).to_string())
}

/// Checks that the leaf's SubjectPublicKeyInfo is `spki` (DER), byte for byte.
pub fn check_key(leaf: &X509Certificate<'_>, spki: &[u8]) -> Result<(), String> {
    if leaf.public_key().raw == spki {
        Ok(())
    } else {
        Err(
            "leaf public key is not the domain key: the certificate was issued for \
             another key pair"
                .to_string(),
        )
    }
}

/// Checks that the certificate's (normalized) names are the requested ones.
pub fn check_names<S: AsRef<str>>(actual: &[String], requested: &[S]) -> Result<(), String> {
    let requested = normalize(requested);
    if actual == requested.as_slice() {
        return Ok(());
    }
    let missing: Vec<String> = requested
        .iter()
        .filter(|n| !actual.contains(n))
        .cloned()
        .collect();
    let extra: Vec<String> = actual
        .iter()
        .filter(|n| !requested.contains(n))
        .cloned()
        .collect();
    let mut detail = Vec::new();
    if !missing.is_empty() {
        detail.push(format!("missing {}", list(&missing)));
    }
    if !extra.is_empty() {
        detail.push(format!("not requested {}", list(&extra)));
    }
    Err(format!(
        "certificate names {} differ from the requested {} ({})",
        list(actual),
        list(&requested),
        detail.join("; ")
    ))
}

/// Checks that `now` (Unix seconds) is within the leaf's validity period
/// (both ends included, RFC 5280 §4.1.2.5).
pub fn check_validity(leaf: &X509Certificate<'_>, now: i64) -> Result<(), String> {
    let not_before = leaf.validity().not_before.timestamp();
    let not_after = leaf.validity().not_after.timestamp();
    if now < not_before {
        Err(format!(
            "the leaf certificate ({}) is not valid yet: its validity starts at {}, \
             and now is {} (check the system clock)",
            dn::format(leaf.subject()),
            utc(not_before),
            utc(now)
        ))
    } else if now > not_after {
        Err(format!(
            "the leaf certificate ({}) expired at {}, and now is {}",
            dn::format(leaf.subject()),
            utc(not_after),
            utc(now)
        ))
    } else {
        Ok(())
    }
}

/// Checks that there is at least one issuer, that each certificate's issuer
/// is the next one's subject and its signature verifies with the next one's
/// public key, and then that the chain so linked does not loop
/// ([`check_no_loop`]). The last certificate's own signature is not checked.
pub fn check_signatures(certs: &[X509Certificate<'_>]) -> Result<(), String> {
    if certs.len() < 2 {
        return Err(
            "the chain has only the leaf certificate: the issuer (intermediate) \
             certificates are missing"
                .to_string(),
        );
    }
    for (index, (cert, issuer)) in certs.iter().zip(certs.iter().skip(1)).enumerate() {
        let (n, m) = (index + 1, index + 2);
        if cert.issuer().as_raw() != issuer.subject().as_raw() {
            return Err(format!(
                "certificate {n} ({}) was issued by {}, but certificate {m} is {}: \
                 the chain is out of order or incomplete",
                dn::format(cert.subject()),
                dn::format(cert.issuer()),
                dn::format(issuer.subject())
            ));
        }
        match cert.verify_signature(Some(issuer.public_key())) {
            Ok(()) => {}
            Err(X509Error::SignatureUnsupportedAlgorithm) => {
                return Err(format!(
                    "certificate {n} ({}) is not signed by certificate {m} ({}): its \
                     signature algorithm {} cannot be verified with certificate {m}'s {} key",
                    dn::format(cert.subject()),
                    dn::format(issuer.subject()),
                    algorithm(&cert.signature_algorithm.algorithm.to_id_string()),
                    algorithm(&issuer.public_key().algorithm.algorithm.to_id_string()),
                ))
            }
            Err(_) => {
                return Err(format!(
                    "certificate {n} ({}) is not signed by certificate {m} ({})",
                    dn::format(cert.subject()),
                    dn::format(issuer.subject())
                ))
            }
        }
    }
    check_no_loop(certs)
}

/// Checks that the chain leads away from the leaf and never back: no two
/// certificates have the same subject, and the last one is issued by a
/// certificate outside the chain (or by itself, a root). Without this, two
/// CA certificates each issued by the other would pass the pairwise checks
/// of [`check_signatures`] and be installed as a chain that reaches no root.
fn check_no_loop(certs: &[X509Certificate<'_>]) -> Result<(), String> {
    for (j, later) in certs.iter().enumerate().skip(1) {
        if let Some(i) =
            (certs[..j].iter()).position(|c| c.subject().as_raw() == later.subject().as_raw())
        {
            return Err(format!(
                "certificate {} repeats the subject of certificate {} ({}): the chain loops",
                j + 1,
                i + 1,
                dn::format(later.subject())
            ));
        }
    }
    let last = certs.len() - 1;
    let issuer = certs[last].issuer().as_raw();
    if let Some(i) = (certs[..last].iter()).position(|c| c.subject().as_raw() == issuer) {
        return Err(format!(
            "certificate {} ({}) is issued by certificate {} ({}), which comes before it: \
             the chain loops",
            last + 1,
            dn::format(certs[last].subject()),
            i + 1,
            dn::format(certs[i].subject())
        ));
    }
    Ok(())
}

/// The name of a signature or public key algorithm, by dotted OID.
fn algorithm(id: &str) -> String {
    let name = match id {
        "1.2.840.10045.2.1" => "EC",
        "1.2.840.113549.1.1.1" => "RSA",
        "1.3.101.112" => "Ed25519",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.10" => "RSASSA-PSS",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        _ => return id.to_string(),
    };
    name.to_string()
}

/// Formats names as `[a.test, b.test]`, escaping control characters.
fn list(names: &[String]) -> String {
    let escaped: Vec<String> = names.iter().map(|n| n.escape_debug().to_string()).collect();
    format!("[{}]", escaped.join(", "))
}
