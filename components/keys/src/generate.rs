//! New keys: the types `--key-type` offers and their generation, inside
//! the stage that will hold the key.

use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair};
use rsa::pkcs8::EncodePrivateKey as _;
use zeroize::Zeroizing;

use crate::key::Algorithm;
use crate::prime;
use crate::{Key, KeyError};

/// The kind of key to create (`--key-type`). ECDSA P-256 is the default:
/// RSA keys take seconds to generate and make every signature larger.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KeyType {
    /// ECDSA on P-256 (signs ES256).
    #[default]
    P256,
    /// ECDSA on P-384 (signs ES384).
    P384,
    /// RSA with a 2048-bit modulus (signs RS256).
    Rsa2048,
    /// RSA with a 3072-bit modulus (signs RS256).
    Rsa3072,
    /// RSA with a 4096-bit modulus (signs RS256).
    Rsa4096,
}

impl KeyType {
    /// The JWS algorithm keys of this type sign with.
    pub fn algorithm(self) -> Algorithm {
        match self {
            Self::P256 => Algorithm::Es256,
            Self::P384 => Algorithm::Es384,
            Self::Rsa2048 | Self::Rsa3072 | Self::Rsa4096 => Algorithm::Rs256,
        }
    }

    /// The RSA modulus size in bits; `None` for EC keys.
    pub fn rsa_bits(self) -> Option<usize> {
        match self {
            Self::P256 | Self::P384 => None,
            Self::Rsa2048 => Some(2048),
            Self::Rsa3072 => Some(3072),
            Self::Rsa4096 => Some(4096),
        }
    }
}

impl Key {
    /// Generate a new key of type `kind`: EC keys with ring, RSA keys
    /// (public exponent 65537) with the `rsa` crate, whose only use here is
    /// finding the primes; ring signs with the result.
    pub fn generate(kind: KeyType) -> Result<Self, KeyError> {
        let pkcs8 = match (kind, kind.rsa_bits()) {
            (_, Some(bits)) => rsa_pkcs8(bits)?,
            (KeyType::P384, None) => ec_pkcs8(&signature::ECDSA_P384_SHA384_FIXED_SIGNING)?,
            (_, None) => ec_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING)?,
        };
        Self::from_pkcs8(kind.algorithm(), pkcs8)
    }
}

/// A new EC key on the curve of `alg`, as PKCS#8 v1 DER.
fn ec_pkcs8(
    alg: &'static signature::EcdsaSigningAlgorithm,
) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let doc =
        EcdsaKeyPair::generate_pkcs8(alg, &SystemRandom::new()).map_err(|_| KeyError::Random)?;
    Ok(Zeroizing::new(doc.as_ref().to_vec()))
}

/// A new RSA key of `bits` bits (two primes of `bits / 2` from prime.rs,
/// public exponent 65537), as PKCS#8 v1 DER. The `rsa` crate computes and
/// checks the rest (`from_p_q` validates the key). Both the key and its
/// encoding are zeroized when dropped.
fn rsa_pkcs8(bits: usize) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let failed = |e: rsa::Error| KeyError::Generate(format!("RSA-{bits}: {e}"));
    let half = bits / 16;
    let key = loop {
        let p = prime::random_prime(&mut rand_core::OsRng, half);
        let q = prime::random_prime(&mut rand_core::OsRng, half);
        if p != q {
            let e = rsa::BigUint::from(prime::PUBLIC_EXPONENT);
            break rsa::RsaPrivateKey::from_p_q(p, q, e).map_err(failed)?;
        }
    };
    if rsa::traits::PublicKeyParts::n(&key).bits() != bits {
        return Err(KeyError::Generate(format!(
            "RSA-{bits}: the modulus is {} bits",
            rsa::traits::PublicKeyParts::n(&key).bits()
        )));
    }
    let doc = key
        .to_pkcs8_der()
        .map_err(|e| KeyError::Generate(format!("RSA-{bits}, encoding it as PKCS#8: {e}")))?;
    Ok(Zeroizing::new(doc.as_bytes().to_vec()))
}
