//! The public key as a JWK (RFC 7517, members of RFC 7518 §6.2 and §6.3)
//! and its thumbprint (RFC 7638).

use ring::rsa::PublicKeyComponents;
use ring::signature::KeyPair as _;

use crate::key::{Algorithm, Pair};
use crate::{b64url, Key};

impl Key {
    /// The public JWK as compact JSON holding only the required members,
    /// in lexicographic order (RFC 7638 §3.2, §3.3):
    /// `{"crv","kty","x","y"}` for EC, `{"e","kty","n"}` for RSA. The same
    /// text serves as the JWS `jwk` header (RFC 8555 §6.2) and as the
    /// thumbprint input.
    pub fn jwk(&self) -> String {
        match &self.pair {
            Pair::Ec(pair) => {
                let crv = match self.alg {
                    Algorithm::Es384 => "P-384",
                    _ => "P-256",
                };
                // Uncompressed point 0x04 || X || Y (SEC1 §2.3.3).
                let point = pair.public_key().as_ref();
                let coords = point.get(1..).unwrap_or_default();
                let (x, y) = coords.split_at(coords.len() / 2);
                ec_jwk(crv, x, y)
            }
            Pair::Rsa(pair) => {
                let parts = PublicKeyComponents::<Vec<u8>>::from(pair.public());
                rsa_jwk(&parts.n, &parts.e)
            }
        }
    }

    /// The JWK thumbprint: base64url(SHA-256(JWK)) (RFC 7638 §3), as used
    /// in key authorizations (RFC 8555 §8.1).
    pub fn thumbprint(&self) -> String {
        thumbprint(&self.jwk())
    }
}

/// EC JWK (RFC 7518 §6.2.1); coordinates are full-length (§6.2.1.2-3).
fn ec_jwk(crv: &str, x: &[u8], y: &[u8]) -> String {
    format!(
        r#"{{"crv":"{crv}","kty":"EC","x":"{}","y":"{}"}}"#,
        b64url(x),
        b64url(y)
    )
}

/// RSA JWK (RFC 7518 §6.3.1): unsigned big-endian integers with no
/// leading zero octets (§6.3.1.1, RFC 7518 §2 "Base64urlUInt").
fn rsa_jwk(n: &[u8], e: &[u8]) -> String {
    format!(
        r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
        b64url(strip_zeros(e)),
        b64url(strip_zeros(n))
    )
}

fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    bytes.get(start..).unwrap_or_default()
}

fn thumbprint(jwk: &str) -> String {
    b64url(ring::digest::digest(&ring::digest::SHA256, jwk.as_bytes()).as_ref())
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;

    use super::*;

    fn unb64(s: &str) -> Vec<u8> {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(s)
            .expect("test vector is base64url")
    }

    /// RFC 7638 §3.1: the example RSA key and its thumbprint.
    #[test]
    fn rfc7638_example_thumbprint() {
        let n = unb64(concat!(
            "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECP",
            "ebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY",
            "368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0f",
            "M4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
        ));
        let e = unb64("AQAB");
        let jwk = rsa_jwk(&n, &e);
        assert!(jwk.starts_with(r#"{"e":"AQAB","kty":"RSA","n":"0vx7"#));
        assert_eq!(
            thumbprint(&jwk),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn leading_zeros_are_dropped() {
        assert_eq!(
            rsa_jwk(&[0, 0, 1], &[0, 1, 0, 1]),
            rsa_jwk(&[1], &[1, 0, 1])
        );
    }
}
