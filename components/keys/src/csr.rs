//! The public key as SubjectPublicKeyInfo and certificate signing
//! requests (PKCS#10, RFC 2986) for ACME finalization (RFC 8555 §7.4).

use rcgen::string::{Ia5String, PrintableString};
use rcgen::{
    CertificateParams, CustomExtension, DistinguishedName, DnType, DnValue, KeyPair,
    KeyUsagePurpose, PublicKeyData as _, SanType, SignatureAlgorithm,
};

use std::net::IpAddr;

use crate::key::Algorithm;
use crate::{Key, KeyError};

/// Upper bound of an X.520 CommonName (RFC 5280 appendix A.1, ub-common-name).
const MAX_CN_LEN: usize = 64;

/// id-pe-tlsfeature (RFC 7633 §6): the TLS Feature extension.
pub const TLS_FEATURE_OID: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 1, 24];

/// The TLS Feature value for OCSP must-staple (RFC 7633 §4.2.1): DER
/// `SEQUENCE { INTEGER 5 }`, status_request (RFC 6066 §8).
pub const MUST_STAPLE_VALUE: &[u8] = &[0x30, 0x03, 0x02, 0x01, 0x05];

/// emailAddress (PKCS #9, RFC 2985 §5.2.1).
const EMAIL_ADDRESS_OID: &[u64] = &[1, 2, 840, 113549, 1, 9, 1];
/// serialNumber (X.520, 2.5.4.5).
const SERIAL_NUMBER_OID: &[u64] = &[2, 5, 4, 5];

/// An attribute type of a request's subject (RFC 5280 §4.1.2.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttributeType {
    /// CN, commonName: UTF8String.
    CommonName,
    /// O, organizationName: UTF8String.
    Organization,
    /// OU, organizationalUnitName: UTF8String.
    OrganizationalUnit,
    /// C, countryName: PrintableString (RFC 5280 appendix A.1).
    Country,
    /// ST, stateOrProvinceName: UTF8String.
    StateOrProvince,
    /// L, localityName: UTF8String.
    Locality,
    /// emailAddress: IA5String (PKCS #9).
    EmailAddress,
    /// serialNumber: PrintableString (X.520).
    SerialNumber,
}

/// One attribute of a request's subject, in an RDN of its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubjectAttribute {
    /// Its type.
    pub kind: AttributeType,
    /// Its value.
    pub value: String,
}

/// A key usage (RFC 5280 §4.2.1.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyUsage {
    /// digitalSignature (bit 0).
    DigitalSignature,
    /// nonRepudiation, contentCommitment (bit 1).
    NonRepudiation,
    /// keyEncipherment (bit 2).
    KeyEncipherment,
    /// dataEncipherment (bit 3).
    DataEncipherment,
    /// keyAgreement (bit 4).
    KeyAgreement,
    /// keyCertSign (bit 5).
    KeyCertSign,
    /// cRLSign (bit 6).
    CrlSign,
    /// encipherOnly (bit 7).
    EncipherOnly,
    /// decipherOnly (bit 8).
    DecipherOnly,
}

impl KeyUsage {
    fn rcgen(self) -> KeyUsagePurpose {
        match self {
            KeyUsage::DigitalSignature => KeyUsagePurpose::DigitalSignature,
            KeyUsage::NonRepudiation => KeyUsagePurpose::ContentCommitment,
            KeyUsage::KeyEncipherment => KeyUsagePurpose::KeyEncipherment,
            KeyUsage::DataEncipherment => KeyUsagePurpose::DataEncipherment,
            KeyUsage::KeyAgreement => KeyUsagePurpose::KeyAgreement,
            KeyUsage::KeyCertSign => KeyUsagePurpose::KeyCertSign,
            KeyUsage::CrlSign => KeyUsagePurpose::CrlSign,
            KeyUsage::EncipherOnly => KeyUsagePurpose::EncipherOnly,
            KeyUsage::DecipherOnly => KeyUsagePurpose::DecipherOnly,
        }
    }
}

/// A TLS feature (RFC 7633 §4.1): the TLS extension a certificate requires.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TlsFeature {
    /// status_request (5, RFC 6066 §8): OCSP must-staple.
    StatusRequest,
    /// status_request_v2 (17, RFC 6961).
    StatusRequestV2,
}

impl TlsFeature {
    /// The TLS extension's number.
    pub fn number(self) -> u8 {
        match self {
            TlsFeature::StatusRequest => 5,
            TlsFeature::StatusRequestV2 => 17,
        }
    }
}

/// What a certificate request asks for (the domain-key WIT `csr-request`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CsrRequest {
    /// The names, each a subjectAltName dNSName; at least one.
    pub names: Vec<String>,
    /// The subject, in order; `None`: the first name that is not an IP
    /// address as CN when it has at most 64 characters (RFC 5280's bound; ACME needs none, RFC 8555
    /// §7.4), else an empty subject.
    pub subject: Option<Vec<SubjectAttribute>>,
    /// A critical keyUsage extension (RFC 5280 §4.2.1.3: "conforming CAs
    /// SHOULD mark this extension as critical") with these bits; none when
    /// empty.
    pub key_usage: Vec<KeyUsage>,
    /// A non-critical TLS Feature extension (RFC 7633 §4.2) listing these,
    /// by number, each once; none when empty.
    pub tls_features: Vec<TlsFeature>,
}

impl CsrRequest {
    /// A request for `names` and nothing else: the default subject, no key
    /// usage, no TLS feature.
    pub fn for_names(names: &[String]) -> CsrRequest {
        CsrRequest {
            names: names.to_vec(),
            ..CsrRequest::default()
        }
    }

    /// The subject as rcgen writes it: each attribute an RDN of its own, in
    /// order, as the string type RFC 5280 (or PKCS #9) gives its type.
    fn distinguished_name(&self) -> Result<DistinguishedName, KeyError> {
        let mut dn = DistinguishedName::new();
        let Some(attributes) = &self.subject else {
            let dns = self.names.iter().find(|n| n.parse::<IpAddr>().is_err());
            if let Some(first) = dns.filter(|n| n.len() <= MAX_CN_LEN) {
                dn.push(DnType::CommonName, first.as_str());
            }
            return Ok(dn);
        };
        for a in attributes {
            let bad = |what: &str| KeyError::Csr(format!("{:?} is not {what}", a.value));
            let printable = || {
                PrintableString::try_from(a.value.as_str())
                    .map(DnValue::PrintableString)
                    .map_err(|_| bad("a PrintableString"))
            };
            let (kind, value) = match a.kind {
                AttributeType::CommonName => (DnType::CommonName, a.value.as_str().into()),
                AttributeType::Organization => (DnType::OrganizationName, a.value.as_str().into()),
                AttributeType::OrganizationalUnit => {
                    (DnType::OrganizationalUnitName, a.value.as_str().into())
                }
                AttributeType::Country => (DnType::CountryName, printable()?),
                AttributeType::StateOrProvince => {
                    (DnType::StateOrProvinceName, a.value.as_str().into())
                }
                AttributeType::Locality => (DnType::LocalityName, a.value.as_str().into()),
                AttributeType::EmailAddress => (
                    DnType::CustomDnType(EMAIL_ADDRESS_OID.to_vec()),
                    Ia5String::try_from(a.value.as_str())
                        .map(DnValue::Ia5String)
                        .map_err(|_| bad("ASCII"))?,
                ),
                AttributeType::SerialNumber => (
                    DnType::CustomDnType(SERIAL_NUMBER_OID.to_vec()),
                    printable()?,
                ),
            };
            // rcgen keeps one value per type: a second would replace the first.
            if dn.get(&kind).is_some() {
                return Err(KeyError::Csr(format!("the subject has {:?} twice", a.kind)));
            }
            dn.push(kind, value);
        }
        Ok(dn)
    }

    /// The TLS Feature extension's DER value: `SEQUENCE OF INTEGER`, in
    /// number order, each once.
    fn tls_feature_value(&self) -> Vec<u8> {
        let mut features = self.tls_features.clone();
        features.sort();
        features.dedup();
        let mut value = vec![0x30, (3 * features.len()) as u8];
        for feature in features {
            value.extend([0x02, 0x01, feature.number()]);
        }
        value
    }
}

impl Key {
    fn rcgen_pair(&self) -> Result<KeyPair, KeyError> {
        let alg: &'static SignatureAlgorithm = match self.alg {
            Algorithm::Es256 => &rcgen::PKCS_ECDSA_P256_SHA256,
            Algorithm::Es384 => &rcgen::PKCS_ECDSA_P384_SHA384,
            Algorithm::Rs256 => &rcgen::PKCS_RSA_SHA256,
        };
        let der = rustls_pki_types::PrivatePkcs8KeyDer::from(self.pkcs8.as_slice());
        KeyPair::from_pkcs8_der_and_sign_algo(&der, alg)
            .map_err(|e| KeyError::Rejected(e.to_string()))
    }

    /// The DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7; RFC 5480 for EC,
    /// RFC 3279 §2.3.1 for RSA).
    pub fn spki_der(&self) -> Result<Vec<u8>, KeyError> {
        Ok(self.rcgen_pair()?.subject_public_key_info())
    }

    /// A DER PKCS#10 request (RFC 2986 §4) for `request`, signed with this
    /// key (ECDSA with SHA-256/384 or RSA PKCS#1 v1.5 with SHA-256): the
    /// subject ([`CsrRequest::subject`]), every name a subjectAltName
    /// dNSName, or iPAddress when it is an IP address (RFC 5280 §4.2.1.6,
    /// RFC 8738 §3), and the keyUsage and TLS Feature
    /// extensions asked for (RFC 7633 §4.2.1: status_request is OCSP
    /// must-staple), all in one extensionRequest attribute (RFC 2985
    /// §5.4.2).
    pub fn csr_der(&self, request: &CsrRequest) -> Result<Vec<u8>, KeyError> {
        if request.names.is_empty() {
            return Err(KeyError::Csr("no names given".into()));
        }
        let mut params = CertificateParams::default();
        params.distinguished_name = request.distinguished_name()?;
        params.subject_alt_names = request
            .names
            .iter()
            .map(|name| match name.parse::<IpAddr>() {
                Ok(ip) => Ok(SanType::IpAddress(ip)),
                Err(_) => Ia5String::try_from(name.as_str())
                    .map(SanType::DnsName)
                    .map_err(|_| KeyError::Csr(format!("name {name:?} is not ASCII"))),
            })
            .collect::<Result<_, _>>()?;
        params.key_usages = request.key_usage.iter().map(|u| u.rcgen()).collect();
        if !request.tls_features.is_empty() {
            params
                .custom_extensions
                .push(CustomExtension::from_oid_content(
                    TLS_FEATURE_OID,
                    request.tls_feature_value(),
                ));
        }
        let csr = params
            .serialize_request(&self.rcgen_pair()?)
            .map_err(|e| KeyError::Csr(e.to_string()))?;
        Ok(csr.der().to_vec())
    }
}
