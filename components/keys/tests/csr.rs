//! What the domain-key stage's requests carry beyond names (`--subject`,
//! `--key-usage`, `--tls-feature`, `-O`), read back with x509-parser, a
//! parser independent of rcgen that wrote them.

use keys::{AttributeType, CsrRequest, Key, KeyType, KeyUsage, SubjectAttribute, TlsFeature};
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::der_parser::asn1_rs::Tag;
use x509_parser::extensions::ParsedExtension;
use x509_parser::prelude::FromDer as _;

fn names() -> Vec<String> {
    vec!["example.com".to_string(), "www.example.com".to_string()]
}

fn attribute(kind: AttributeType, value: &str) -> SubjectAttribute {
    SubjectAttribute {
        kind,
        value: value.to_string(),
    }
}

/// The request `key` makes for `request`, parsed, its signature verified.
fn made(key: &Key, request: &CsrRequest) -> Vec<u8> {
    let der = key.csr_der(request).expect("csr");
    let (rest, csr) = X509CertificationRequest::from_der(&der).expect("parse");
    assert!(rest.is_empty());
    csr.verify_signature().expect("self-signature");
    der
}

/// The subject's RDNs: (OID, ASN.1 string tag, value), each RDN one
/// attribute.
fn subject(der: &[u8]) -> Vec<(String, Tag, String)> {
    let (_, csr) = X509CertificationRequest::from_der(der).expect("parse");
    csr.certification_request_info
        .subject
        .iter_rdn()
        .map(|rdn| {
            assert_eq!(rdn.iter().count(), 1, "one attribute per RDN");
            let a = rdn.iter().next().expect("attribute");
            (
                a.attr_type().to_id_string(),
                a.attr_value().tag(),
                a.as_str().expect("a string").to_string(),
            )
        })
        .collect()
}

/// The requested extensions other than subjectAltName: (OID, critical,
/// parsed).
fn extensions(der: &[u8]) -> Vec<(String, bool, Vec<u8>)> {
    let (_, csr) = X509CertificationRequest::from_der(der).expect("parse");
    let mut out = Vec::new();
    for attribute in csr.certification_request_info.iter_attributes() {
        if let x509_parser::cri_attributes::ParsedCriAttribute::ExtensionRequest(req) =
            attribute.parsed_attribute()
        {
            for ext in &req.extensions {
                let oid = ext.oid.to_id_string();
                if oid != "2.5.29.17" {
                    out.push((oid, ext.critical, ext.value.to_vec()));
                }
            }
        }
    }
    out
}

#[test]
fn the_subject_is_each_attribute_in_order_with_its_string_type() {
    let key = Key::generate(KeyType::P256).expect("generate");
    let request = CsrRequest {
        subject: Some(vec![
            attribute(AttributeType::CommonName, "www.example.com"),
            attribute(AttributeType::Organization, "Example Org"),
            attribute(AttributeType::OrganizationalUnit, "Web / Ops"),
            attribute(AttributeType::Country, "DE"),
            attribute(AttributeType::StateOrProvince, "Bayern"),
            attribute(AttributeType::Locality, "München"),
            attribute(AttributeType::EmailAddress, "hostmaster@example.com"),
            attribute(AttributeType::SerialNumber, "HRB 12345"),
        ]),
        ..CsrRequest::for_names(&names())
    };
    let der = made(&key, &request);
    let s = |oid: &str, tag: Tag, value: &str| (oid.to_string(), tag, value.to_string());
    assert_eq!(
        subject(&der),
        [
            s("2.5.4.3", Tag::Utf8String, "www.example.com"),
            s("2.5.4.10", Tag::Utf8String, "Example Org"),
            s("2.5.4.11", Tag::Utf8String, "Web / Ops"),
            s("2.5.4.6", Tag::PrintableString, "DE"),
            s("2.5.4.8", Tag::Utf8String, "Bayern"),
            s("2.5.4.7", Tag::Utf8String, "München"),
            s(
                "1.2.840.113549.1.9.1",
                Tag::Ia5String,
                "hostmaster@example.com"
            ),
            s("2.5.4.5", Tag::PrintableString, "HRB 12345"),
        ]
    );
    assert!(extensions(&der).is_empty(), "nothing but the names");
}

#[test]
fn the_default_subject_is_the_first_name_and_an_empty_one_is_empty() {
    let key = Key::generate(KeyType::P256).expect("generate");
    let der = made(&key, &CsrRequest::for_names(&names()));
    assert_eq!(
        subject(&der),
        [(
            "2.5.4.3".to_string(),
            Tag::Utf8String,
            "example.com".to_string()
        )]
    );
    let empty = CsrRequest {
        subject: Some(Vec::new()),
        ..CsrRequest::for_names(&names())
    };
    assert_eq!(subject(&made(&key, &empty)), []);
}

#[test]
fn a_value_its_string_type_cannot_hold_is_refused() {
    let key = Key::generate(KeyType::P256).expect("generate");
    for bad in [
        attribute(AttributeType::Country, "D@"),
        attribute(AttributeType::SerialNumber, "a@b"),
        attribute(AttributeType::EmailAddress, "ä@example.com"),
    ] {
        let request = CsrRequest {
            subject: Some(vec![bad.clone()]),
            ..CsrRequest::for_names(&names())
        };
        assert!(key.csr_der(&request).is_err(), "{bad:?}");
    }
    let twice = CsrRequest {
        subject: Some(vec![
            attribute(AttributeType::Organization, "a"),
            attribute(AttributeType::Organization, "b"),
        ]),
        ..CsrRequest::for_names(&names())
    };
    assert!(key.csr_der(&twice).is_err(), "a type twice");
}

#[test]
fn key_usage_is_a_critical_extension_with_exactly_those_bits() {
    for kind in [KeyType::P256, KeyType::Rsa2048] {
        let key = Key::generate(kind).expect("generate");
        let request = CsrRequest {
            key_usage: vec![KeyUsage::DigitalSignature, KeyUsage::KeyEncipherment],
            ..CsrRequest::for_names(&names())
        };
        let der = made(&key, &request);
        let (_, csr) = X509CertificationRequest::from_der(&der).expect("parse");
        let usages: Vec<_> = csr
            .requested_extensions()
            .expect("extension request")
            .filter_map(|e| match e {
                ParsedExtension::KeyUsage(u) => Some(u.flags),
                _ => None,
            })
            .collect();
        assert_eq!(
            usages,
            [0b101],
            "{kind:?}: digitalSignature, keyEncipherment"
        );
        let exts = extensions(&der);
        assert_eq!(exts.len(), 1, "{kind:?}");
        assert_eq!((exts[0].0.as_str(), exts[0].1), ("2.5.29.15", true));
    }
    // Bit 8 needs a second byte.
    let key = Key::generate(KeyType::P256).expect("generate");
    let request = CsrRequest {
        key_usage: vec![KeyUsage::KeyAgreement, KeyUsage::DecipherOnly],
        ..CsrRequest::for_names(&names())
    };
    let der = made(&key, &request);
    let (_, csr) = X509CertificationRequest::from_der(&der).expect("parse");
    let flags: Vec<u16> = csr
        .requested_extensions()
        .expect("extension request")
        .filter_map(|e| match e {
            ParsedExtension::KeyUsage(u) => Some(u.flags),
            _ => None,
        })
        .collect();
    assert_eq!(flags, [(1 << 4) | (1 << 8)]);
}

#[test]
fn tls_features_are_one_extension_listing_each_once_by_number() {
    let key = Key::generate(KeyType::P256).expect("generate");
    for (features, value) in [
        (
            vec![TlsFeature::StatusRequest],
            vec![0x30, 0x03, 0x02, 0x01, 0x05],
        ),
        (
            vec![TlsFeature::StatusRequestV2],
            vec![0x30, 0x03, 0x02, 0x01, 0x11],
        ),
        (
            vec![
                TlsFeature::StatusRequestV2,
                TlsFeature::StatusRequest,
                TlsFeature::StatusRequest,
            ],
            vec![0x30, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x11],
        ),
    ] {
        let request = CsrRequest {
            tls_features: features.clone(),
            ..CsrRequest::for_names(&names())
        };
        let exts = extensions(&made(&key, &request));
        assert_eq!(
            exts,
            [("1.3.6.1.5.5.7.1.24".to_string(), false, value)],
            "{features:?}"
        );
    }
}

#[test]
fn everything_at_once() {
    let key = Key::generate(KeyType::P384).expect("generate");
    let request = CsrRequest {
        subject: Some(vec![attribute(AttributeType::Organization, "Example Org")]),
        key_usage: vec![KeyUsage::DigitalSignature],
        tls_features: vec![TlsFeature::StatusRequest],
        ..CsrRequest::for_names(&names())
    };
    let der = made(&key, &request);
    assert_eq!(subject(&der).len(), 1);
    let oids: Vec<String> = extensions(&der).into_iter().map(|e| e.0).collect();
    assert_eq!(oids, ["2.5.29.15", "1.3.6.1.5.5.7.1.24"]);
}

/// The subjectAltName entries of a request: ("dns", name) or ("ip", the
/// address's text).
fn alt_names(der: &[u8]) -> Vec<(&'static str, String)> {
    use x509_parser::extensions::GeneralName;
    let (_, csr) = X509CertificationRequest::from_der(der).expect("parse");
    let mut out = Vec::new();
    for ext in csr.requested_extensions().into_iter().flatten() {
        if let ParsedExtension::SubjectAlternativeName(san) = ext {
            for name in &san.general_names {
                out.push(match name {
                    GeneralName::DNSName(d) => ("dns", d.to_string()),
                    GeneralName::IPAddress(b) => ("ip", ip_text(b)),
                    other => panic!("unexpected {other:?}"),
                });
            }
        }
    }
    out
}

fn ip_text(bytes: &[u8]) -> String {
    match bytes.len() {
        4 => std::net::Ipv4Addr::from(<[u8; 4]>::try_from(bytes).unwrap()).to_string(),
        16 => std::net::Ipv6Addr::from(<[u8; 16]>::try_from(bytes).unwrap()).to_string(),
        n => panic!("{n}-byte address"),
    }
}

/// RFC 8738 §3: an IP address is an iPAddress subjectAltName, never a
/// dNSName, and never the default common name, which is the first DNS name
/// (none when every name is an address).
#[test]
fn ip_addresses_are_ip_address_alt_names_and_never_the_common_name() {
    let key = Key::generate(KeyType::P256).expect("generate");
    let names: Vec<String> = ["127.0.0.1", "a.example", "2001:db8::1"]
        .map(String::from)
        .to_vec();
    let der = made(&key, &CsrRequest::for_names(&names));
    assert_eq!(
        alt_names(&der),
        [
            ("ip", "127.0.0.1".to_string()),
            ("dns", "a.example".to_string()),
            ("ip", "2001:db8::1".to_string())
        ]
    );
    assert_eq!(
        subject(&der),
        [(
            "2.5.4.3".to_string(),
            Tag::Utf8String,
            "a.example".to_string()
        )]
    );
    let only_ips = CsrRequest::for_names(&["::1".to_string()]);
    let der = made(&key, &only_ips);
    assert_eq!(subject(&der), []);
    assert_eq!(alt_names(&der), [("ip", "::1".to_string())]);
}
