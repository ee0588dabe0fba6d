//! Turning every supported private key encoding into one form: PKCS#8 v1
//! PrivateKeyInfo (RFC 5208 §5), the form ring and rcgen read. EC keys are
//! re-encoded so that their ECPrivateKey carries the public key, which
//! ring requires.

use p256::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _};
use pkcs8::der::asn1::{AnyRef, ObjectIdentifier};
use pkcs8::der::Encode as _;
use pkcs8::{AlgorithmIdentifierRef, PrivateKeyInfo};
use zeroize::Zeroizing;

use crate::key::Algorithm;
use crate::pem_file::Format;
use crate::KeyError;

/// rsaEncryption (RFC 8017 appendix A.1).
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// id-ecPublicKey (RFC 5480 §2.1.1).
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// secp256r1 (RFC 5480 §2.1.1.1).
const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
/// secp384r1 (RFC 5480 §2.1.1.1).
const P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");

/// Readable names for algorithm and curve identifiers people are likely
/// to meet, for error messages.
fn oid_name(oid: ObjectIdentifier) -> String {
    let name = match oid.to_string().as_str() {
        "1.3.101.112" => "Ed25519",
        "1.3.101.113" => "Ed448",
        "1.2.840.113549.1.1.10" => "RSASSA-PSS",
        "1.2.840.10040.4.1" => "DSA",
        "1.3.132.0.35" => "P-521",
        "1.3.132.0.10" => "secp256k1",
        _ => return oid.to_string(),
    };
    format!("{name} ({oid})")
}

/// The algorithm of the key and its PKCS#8 v1 DER.
pub(crate) fn to_pkcs8(
    format: Format,
    der: &[u8],
) -> Result<(Algorithm, Zeroizing<Vec<u8>>), KeyError> {
    match format {
        Format::Pkcs1 => Ok((Algorithm::Rs256, wrap_rsa(der)?)),
        Format::Sec1 => sec1_to_pkcs8(der),
        Format::Pkcs8 => pkcs8_to_pkcs8(der),
    }
}

/// An error mapper for a parse failure of `format`.
fn malformed<E: std::fmt::Display>(format: &'static str) -> impl Fn(E) -> KeyError + Copy {
    move |e| KeyError::Malformed {
        format,
        reason: e.to_string(),
    }
}

/// Wrap a PKCS#1 RSAPrivateKey in PrivateKeyInfo (RFC 8017 appendix A.1:
/// parameters NULL). The RSA structure itself is checked by ring later.
fn wrap_rsa(pkcs1: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let algorithm = AlgorithmIdentifierRef {
        oid: RSA_ENCRYPTION,
        parameters: Some(AnyRef::NULL),
    };
    PrivateKeyInfo::new(algorithm, pkcs1)
        .to_der()
        .map(Zeroizing::new)
        .map_err(malformed("PKCS#1 RSA"))
}

/// An ECPrivateKey: the curve comes from its parameters, or failing that
/// from the private key length (RFC 5915 §3).
fn sec1_to_pkcs8(der: &[u8]) -> Result<(Algorithm, Zeroizing<Vec<u8>>), KeyError> {
    const FORMAT: &str = "SEC1 EC";
    let key = sec1::EcPrivateKey::try_from(der).map_err(malformed(FORMAT))?;
    let curve = match key.parameters.and_then(|p| p.named_curve()) {
        Some(oid) => oid,
        None if key.private_key.len() == 32 => P256,
        None if key.private_key.len() == 48 => P384,
        None => return Err(KeyError::UnsupportedCurve("of unknown size".into())),
    };
    let err = malformed::<p256::elliptic_curve::Error>(FORMAT);
    let (alg, doc) = if curve == P256 {
        let key = p256::SecretKey::from_sec1_der(der).map_err(err)?;
        (Algorithm::Es256, key.to_pkcs8_der())
    } else if curve == P384 {
        let key = p384::SecretKey::from_sec1_der(der).map_err(err)?;
        (Algorithm::Es384, key.to_pkcs8_der())
    } else {
        return Err(KeyError::UnsupportedCurve(oid_name(curve)));
    };
    let doc = doc.map_err(malformed(FORMAT))?;
    Ok((alg, Zeroizing::new(doc.as_bytes().to_vec())))
}

/// A PrivateKeyInfo or OneAsymmetricKey (RFC 5958): RSA is re-wrapped as
/// v1, EC re-encoded with its public key.
fn pkcs8_to_pkcs8(der: &[u8]) -> Result<(Algorithm, Zeroizing<Vec<u8>>), KeyError> {
    const FORMAT: &str = "PKCS#8";
    let info = PrivateKeyInfo::try_from(der).map_err(malformed(FORMAT))?;
    let oid = info.algorithm.oid;
    if oid == RSA_ENCRYPTION {
        return Ok((Algorithm::Rs256, wrap_rsa(info.private_key)?));
    }
    if oid != EC_PUBLIC_KEY {
        return Err(KeyError::UnsupportedAlgorithm(oid_name(oid)));
    }
    let curve = info
        .algorithm
        .parameters_oid()
        .map_err(|e| KeyError::Malformed {
            format: FORMAT,
            reason: format!("EC key without a named curve: {e}"),
        })?;
    let err = malformed::<pkcs8::Error>(FORMAT);
    let (alg, doc) = if curve == P256 {
        let key = p256::SecretKey::from_pkcs8_der(der).map_err(err)?;
        (Algorithm::Es256, key.to_pkcs8_der().map_err(err)?)
    } else if curve == P384 {
        let key = p384::SecretKey::from_pkcs8_der(der).map_err(err)?;
        (Algorithm::Es384, key.to_pkcs8_der().map_err(err)?)
    } else {
        return Err(KeyError::UnsupportedCurve(oid_name(curve)));
    };
    Ok((alg, Zeroizing::new(doc.as_bytes().to_vec())))
}
