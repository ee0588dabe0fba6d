//! Certificate requests (PKCS#10, RFC 2986) as the domain-key stage makes
//! them: their names and public key, for the host to compare with the names
//! it asked for and the key the stage returned when it read the domain key
//! (the host parses no DER itself).
//!
//! x509-parser's `X509CertificationRequest` looks attribute and extension
//! parsers up in `std` `HashMap`s, whose `RandomState` would make the
//! component import `wasi:random/insecure-seed` (see chain.rs); so the
//! request's structure is walked here with asn1-rs, x509-parser parses the
//! subject, the key and the algorithm, and only the subjectAltName, keyUsage
//! and TLS Feature (RFC 7633; status_request is OCSP must-staple)
//! extensions are decoded.

use x509_parser::asn1_rs::{Any, BitString, Class, FromDer, Oid, Tag};
use x509_parser::extensions::{GeneralName, KeyUsage, SubjectAlternativeName, X509ExtensionParser};
use x509_parser::nom::Parser as _;
use x509_parser::oid_registry::{
    OID_PKCS9_EXTENSION_REQUEST, OID_X509_EXT_KEY_USAGE, OID_X509_EXT_SUBJECT_ALT_NAME,
};
use x509_parser::verify::verify_signature;
use x509_parser::x509::{AlgorithmIdentifier, SubjectPublicKeyInfo, X509Name};

use crate::chain::normalize;

/// What the host compares in a request (the WIT `csr-info`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsrInfo {
    /// subjectAltName dNSNames and subject common names: lower-cased,
    /// sorted, deduplicated.
    pub names: Vec<String>,
    /// The SubjectPublicKeyInfo, DER, as encoded in the request.
    pub spki: Vec<u8>,
    /// The subject's attributes in order: (type OID dotted, value). Each
    /// RDN holds one attribute (a multi-valued one is an error).
    pub subject: Vec<(String, String)>,
    /// The keyUsage extension's bits (RFC 5280 §4.2.1.3), bit n as
    /// `1 << n`; `None` without the extension.
    pub key_usage: Option<u16>,
    /// The TLS Feature extension's features (RFC 7633 §4.1) in order;
    /// `None` without the extension. status_request (5) is OCSP
    /// must-staple.
    pub tls_features: Option<Vec<u16>>,
}

/// What the extensionRequest attribute asks for.
#[derive(Default)]
struct Requested {
    /// The subjectAltName's dNSNames.
    names: Vec<String>,
    /// The keyUsage extension's bits, if there is one.
    key_usage: Option<u16>,
    /// The TLS Feature extension's features, if there is one.
    tls_features: Option<Vec<u16>>,
}

/// id-pe-tlsfeature (RFC 7633 §6).
const OID_TLS_FEATURE: &str = "1.3.6.1.5.5.7.1.24";

/// Parses a DER request, verifies its self-signature with its own key, and
/// returns its names and key.
pub fn inspect(der: &[u8]) -> Result<CsrInfo, String> {
    let (rest, request) = element(der, Tag::Sequence, "request")?;
    if !rest.is_empty() {
        return Err(format!(
            "the CSR has {} stray bytes after its DER encoding",
            rest.len()
        ));
    }
    let (after_info, info) = element(request, Tag::Sequence, "certificationRequestInfo")?;
    let info_der = request
        .get(..request.len() - after_info.len())
        .ok_or("the CSR's certificationRequestInfo has no end")?;
    let (after_alg, algorithm) =
        AlgorithmIdentifier::from_der(after_info).map_err(|e| invalid("signatureAlgorithm", e))?;
    let (end, signature) = BitString::from_der(after_alg).map_err(|e| invalid("signature", e))?;
    if !end.is_empty() {
        return Err("the CSR has stray bytes after its signature".to_string());
    }

    let (i, version) = u32::from_der(info).map_err(|e| invalid("version", e))?;
    if version != 0 {
        return Err(format!("the CSR's version is {version}, not 0 (v1)"));
    }
    let (i, subject) = X509Name::from_der(i).map_err(|e| invalid("subject", e))?;
    let (i, spki) = SubjectPublicKeyInfo::from_der(i).map_err(|e| invalid("subjectPKInfo", e))?;
    let (i, attributes) = Any::from_der(i).map_err(|e| invalid("attributes", e))?;
    if attributes.class() != Class::ContextSpecific || attributes.tag() != Tag(0) || !i.is_empty() {
        return Err("the CSR's attributes are not a [0] set at its end".to_string());
    }

    let requested = extension_request(attributes.data)?;
    let mut attributes = Vec::new();
    for rdn in subject.iter_rdn() {
        let mut each = rdn.iter();
        let (Some(attribute), None) = (each.next(), each.next()) else {
            return Err("the CSR's subject has an RDN of other than one attribute".to_string());
        };
        let value = attribute.as_str().map_err(|e| {
            format!(
                "the CSR's subject attribute {} is not a string: {e}",
                attribute.attr_type().to_id_string()
            )
        })?;
        attributes.push((attribute.attr_type().to_id_string(), value.to_string()));
    }
    let mut names = requested.names;
    for cn in subject.iter_common_name() {
        let cn = cn
            .as_str()
            .map_err(|e| format!("the CSR's common name is not a string: {e}"))?;
        names.push(cn.to_string());
    }
    verify_signature(&spki, &algorithm, &signature, info_der)
        .map_err(|e| format!("the CSR's self-signature does not verify with its key: {e}"))?;
    Ok(CsrInfo {
        names: normalize(&names),
        spki: spki.raw.to_vec(),
        subject: attributes,
        key_usage: requested.key_usage,
        tls_features: requested.tls_features,
    })
}

/// The dNSNames of the subjectAltName, the keyUsage bits and the TLS
/// Feature extension's features in the extensionRequest attribute (RFC 2985
/// §5.4.2) among `attributes` (the contents of the `[0]` set); any other
/// kind of name is an error, as is a second extension of one of these.
fn extension_request(mut attributes: &[u8]) -> Result<Requested, String> {
    let mut found = None;
    let mut key_usage = None;
    let mut tls_features = None;
    while !attributes.is_empty() {
        let (rest, attribute) = element(attributes, Tag::Sequence, "attribute")?;
        attributes = rest;
        let (values, oid) = Oid::from_der(attribute).map_err(|e| invalid("attribute type", e))?;
        if oid != OID_PKCS9_EXTENSION_REQUEST {
            continue;
        }
        let (end, values) = element(values, Tag::Set, "extensionRequest values")?;
        if !end.is_empty() {
            return Err("the CSR's extensionRequest attribute has stray bytes".to_string());
        }
        let (end, mut extensions) = element(values, Tag::Sequence, "extensionRequest")?;
        if !end.is_empty() {
            return Err("the CSR has more than one extensionRequest value".to_string());
        }
        let mut parser = X509ExtensionParser::new().with_deep_parse_extensions(false);
        while !extensions.is_empty() {
            let (rest, extension) = parser
                .parse(extensions)
                .map_err(|e| invalid("extension", e))?;
            extensions = rest;
            if extension.oid.to_id_string() == OID_TLS_FEATURE {
                if tls_features.is_some() {
                    return Err("the CSR has two TLS Feature extensions".to_string());
                }
                tls_features = Some(features(extension.value)?);
                continue;
            }
            if extension.oid == OID_X509_EXT_KEY_USAGE {
                if key_usage.is_some() {
                    return Err("the CSR has two keyUsage extensions".to_string());
                }
                key_usage = Some(match KeyUsage::from_der(extension.value) {
                    Ok(([], usage)) => usage.flags,
                    Ok(_) => return Err("the CSR's keyUsage has stray bytes".to_string()),
                    Err(e) => return Err(invalid("keyUsage", e)),
                });
                continue;
            }
            if extension.oid != OID_X509_EXT_SUBJECT_ALT_NAME {
                continue;
            }
            if found.is_some() {
                return Err("the CSR has two subjectAltName extensions".to_string());
            }
            found = Some(san_names(extension.value)?);
        }
    }
    Ok(Requested {
        names: found.unwrap_or_default(),
        key_usage,
        tls_features,
    })
}

/// The features of a DER TLS Feature value (RFC 7633 §4.1:
/// `SEQUENCE OF INTEGER`).
fn features(value: &[u8]) -> Result<Vec<u16>, String> {
    let (end, mut items) = element(value, Tag::Sequence, "TLS Feature")?;
    if !end.is_empty() {
        return Err("the CSR's TLS Feature extension has stray bytes".to_string());
    }
    let mut features = Vec::new();
    while !items.is_empty() {
        let (rest, feature) = u16::from_der(items).map_err(|e| invalid("TLS Feature", e))?;
        items = rest;
        features.push(feature);
    }
    Ok(features)
}

/// The dNSNames and iPAddresses (as [`crate::chain::ip_text`] writes them,
/// RFC 8738 §3) of a DER subjectAltName value; any other kind, or an
/// address of another length than 4 or 16 bytes, is an error.
fn san_names(value: &[u8]) -> Result<Vec<String>, String> {
    let san = match SubjectAlternativeName::from_der(value) {
        Ok(([], san)) => san,
        Ok(_) => return Err("the CSR's subjectAltName has stray bytes".to_string()),
        Err(e) => return Err(invalid("subjectAltName", e)),
    };
    san.general_names
        .iter()
        .map(|name| match name {
            GeneralName::DNSName(dns) => Ok(dns.to_string()),
            GeneralName::IPAddress(bytes) => crate::chain::ip_text(bytes).ok_or_else(|| {
                format!(
                    "the CSR's subjectAltName has {}, not a dNSName or an IPv4 or IPv6 address",
                    describe(name)
                )
            }),
            other => Err(format!(
                "the CSR's subjectAltName has {}, not a dNSName or an iPAddress",
                describe(other)
            )),
        })
        .collect()
}

/// A non-DNS general name, for an error message.
fn describe(name: &GeneralName<'_>) -> String {
    match name {
        GeneralName::IPAddress(bytes) => format!("an IP address ({} bytes)", bytes.len()),
        GeneralName::RFC822Name(_) => "an e-mail address".to_string(),
        GeneralName::URI(_) => "a URI".to_string(),
        _ => "a name of another kind".to_string(),
    }
}

/// The next DER element of `input`, which must be a universal `tag`: its
/// contents and what follows it.
fn element<'a>(input: &'a [u8], tag: Tag, what: &str) -> Result<(&'a [u8], &'a [u8]), String> {
    let (rest, any) = Any::from_der(input).map_err(|e| invalid(what, e))?;
    if any.class() != Class::Universal || any.tag() != tag {
        return Err(format!("the CSR's {what} is not a {tag}"));
    }
    Ok((rest, any.data))
}

fn invalid(what: &str, e: impl std::fmt::Display) -> String {
    format!("the CSR's {what} is not valid DER: {e}")
}
