//! The loaded private key: parsing, generation and JWS signatures
//! (RFC 7515 §5.1 with the algorithms of RFC 7518 §3.1).

use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, KeyPair as _, RsaKeyPair};
use zeroize::Zeroizing;

use crate::{b64url, normalize, pem_file, KeyError};

/// The JWS algorithm a key signs with (RFC 7518 §3.1). The hash follows
/// the key: SHA-256 for P-256 and RSA, SHA-384 for P-384 (RFC 7518 §3.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    /// ECDSA P-256 with SHA-256; 64-byte `R || S` signatures (RFC 7518 §3.4).
    Es256,
    /// ECDSA P-384 with SHA-384; 96-byte `R || S` signatures (RFC 7518 §3.4).
    Es384,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3).
    Rs256,
}

impl Algorithm {
    /// The JWS `alg` header value: "ES256", "ES384" or "RS256".
    pub fn jws_name(self) -> &'static str {
        match self {
            Self::Es256 => "ES256",
            Self::Es384 => "ES384",
            Self::Rs256 => "RS256",
        }
    }
}

/// The ring key pair doing the work.
pub(crate) enum Pair {
    Ec(EcdsaKeyPair),
    Rsa(RsaKeyPair),
}

/// A private key: ECDSA P-256, ECDSA P-384 or RSA (2048 to 8192 bits).
/// Its `Debug` output shows only the public part.
pub struct Key {
    pub(crate) alg: Algorithm,
    pub(crate) pair: Pair,
    /// PKCS#8 v1 DER, kept for rcgen (certificate requests) and writing.
    pub(crate) pkcs8: Zeroizing<Vec<u8>>,
}

impl Key {
    /// Read a PEM private key: "PRIVATE KEY" (PKCS#8, RFC 5958),
    /// "RSA PRIVATE KEY" (PKCS#1, RFC 8017) or "EC PRIVATE KEY" (SEC1,
    /// RFC 5915), for RSA, P-256 or P-384. Other PEM blocks in the input
    /// (such as "EC PARAMETERS") are skipped.
    pub fn from_pem(pem: &[u8]) -> Result<Self, KeyError> {
        let (format, der) = pem_file::decode(pem)?;
        let (alg, pkcs8) = normalize::to_pkcs8(format, &der)?;
        Self::from_pkcs8(alg, pkcs8)
    }

    pub(crate) fn from_pkcs8(alg: Algorithm, pkcs8: Zeroizing<Vec<u8>>) -> Result<Self, KeyError> {
        let rejected = |e: ring::error::KeyRejected| KeyError::Rejected(rejection(alg, e));
        let rng = SystemRandom::new();
        let pair = match alg {
            Algorithm::Es256 => Pair::Ec(
                EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &pkcs8, &rng)
                    .map_err(rejected)?,
            ),
            Algorithm::Es384 => Pair::Ec(
                EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P384_SHA384_FIXED_SIGNING, &pkcs8, &rng)
                    .map_err(rejected)?,
            ),
            Algorithm::Rs256 => Pair::Rsa(RsaKeyPair::from_pkcs8(&pkcs8).map_err(rejected)?),
        };
        let key = Self { alg, pair, pkcs8 };
        // ring does not check an RSA key's CRT exponents (dP, dQ, RFC 8017
        // §3.2) when it reads one, only each signature it makes: a key with
        // a wrong one would read, then fail at its first signature. One
        // signature now refuses it where it is read.
        if matches!(key.pair, Pair::Rsa(_)) && key.sign(b"acmebox key check").is_err() {
            return Err(KeyError::Rejected(
                "its private parts do not agree (a test signature does not verify)".into(),
            ));
        }
        Ok(key)
    }

    /// The JWS algorithm this key signs with.
    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// The key as a PKCS#8 PEM file ("PRIVATE KEY", RFC 7468 §10).
    pub fn to_pkcs8_pem(&self) -> Zeroizing<String> {
        let block = pem::Pem::new("PRIVATE KEY", self.pkcs8.as_slice());
        let config = pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF);
        Zeroizing::new(pem::encode_config(&block, config))
    }

    /// Sign a JWS signing input (`BASE64URL(header) '.' BASE64URL(payload)`,
    /// RFC 7515 §5.1) and return the base64url signature: fixed-size
    /// `R || S` for ECDSA (RFC 7518 §3.4), PKCS#1 v1.5 for RSA (§3.3).
    pub fn sign(&self, signing_input: &[u8]) -> Result<String, KeyError> {
        let rng = SystemRandom::new();
        match &self.pair {
            Pair::Ec(pair) => {
                let sig = pair.sign(&rng, signing_input).map_err(|_| KeyError::Sign)?;
                Ok(b64url(sig.as_ref()))
            }
            Pair::Rsa(pair) => {
                let mut sig = vec![0; pair.public().modulus_len()];
                pair.sign(&signature::RSA_PKCS1_SHA256, &rng, signing_input, &mut sig)
                    .map_err(|_| KeyError::Sign)?;
                Ok(b64url(&sig))
            }
        }
    }

    /// The raw public key as ring gives it: the uncompressed point
    /// (SEC1 §2.3.3) for EC, the DER RSAPublicKey (RFC 8017 A.1.1) for RSA.
    pub fn public_key_bytes(&self) -> &[u8] {
        match &self.pair {
            Pair::Ec(pair) => pair.public_key().as_ref(),
            Pair::Rsa(pair) => pair.public_key().as_ref(),
        }
    }
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Key")
            .field("alg", &self.alg.jws_name())
            .field("jwk", &self.jwk())
            .finish_non_exhaustive()
    }
}

/// ring's terse rejection reasons, with the limits spelled out.
fn rejection(alg: Algorithm, e: ring::error::KeyRejected) -> String {
    match (alg, e.to_string().as_str()) {
        (Algorithm::Rs256, "TooSmall") => "RSA key too small (at least 2048 bits)".into(),
        (Algorithm::Rs256, "TooLarge") => "RSA key too large (at most 8192 bits)".into(),
        (_, "InconsistentComponents") => "public and private parts do not match".into(),
        (_, "InvalidEncoding") => "invalid encoding".into(),
        (_, reason) => format!("{reason} ({} key)", alg.jws_name()),
    }
}
