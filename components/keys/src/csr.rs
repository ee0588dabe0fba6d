//! The public key as SubjectPublicKeyInfo and certificate signing
//! requests (PKCS#10, RFC 2986) for ACME finalization (RFC 8555 §7.4).

use rcgen::{
    CertificateParams, CustomExtension, DistinguishedName, DnType, KeyPair, PublicKeyData as _,
    SanType, SignatureAlgorithm,
};

use crate::key::Algorithm;
use crate::{Key, KeyError};

/// Upper bound of an X.520 CommonName (RFC 5280 appendix A.1, ub-common-name).
const MAX_CN_LEN: usize = 64;

/// id-pe-tlsfeature (RFC 7633 §6): the TLS Feature extension.
pub const TLS_FEATURE_OID: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 1, 24];

/// The TLS Feature value for OCSP must-staple (RFC 7633 §4.2.1): DER
/// `SEQUENCE { INTEGER 5 }`, status_request (RFC 6066 §8).
pub const MUST_STAPLE_VALUE: &[u8] = &[0x30, 0x03, 0x02, 0x01, 0x05];

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

    /// A DER PKCS#10 request (RFC 2986 §4) for `names`, signed with this
    /// key (ECDSA with SHA-256/384 or RSA PKCS#1 v1.5 with SHA-256). The
    /// first name is the subject CN (left out when longer than the 64
    /// characters RFC 5280 allows, which ACME does not need: RFC 8555 §7.4);
    /// every name is a subjectAltName dNSName (RFC 5280 §4.2.1.6) in an
    /// extensionRequest attribute (RFC 2985 §5.4.2). With `must_staple`,
    /// the same attribute also asks for OCSP must-staple: the non-critical
    /// TLS Feature extension holding status_request (RFC 7633 §4.2.1).
    pub fn csr_der(&self, names: &[String], must_staple: bool) -> Result<Vec<u8>, KeyError> {
        let first = names
            .first()
            .ok_or_else(|| KeyError::Csr("no names given".into()))?;
        let mut params = CertificateParams::default();
        let mut subject = DistinguishedName::new();
        if first.len() <= MAX_CN_LEN {
            subject.push(DnType::CommonName, first.as_str());
        }
        params.distinguished_name = subject;
        params.subject_alt_names = names
            .iter()
            .map(|name| {
                rcgen::string::Ia5String::try_from(name.as_str())
                    .map(SanType::DnsName)
                    .map_err(|_| KeyError::Csr(format!("name {name:?} is not ASCII")))
            })
            .collect::<Result<_, _>>()?;
        if must_staple {
            params
                .custom_extensions
                .push(CustomExtension::from_oid_content(
                    TLS_FEATURE_OID,
                    MUST_STAPLE_VALUE.to_vec(),
                ));
        }
        let csr = params
            .serialize_request(&self.rcgen_pair()?)
            .map_err(|e| KeyError::Csr(e.to_string()))?;
        Ok(csr.der().to_vec())
    }
}
