//! `--key-type`: the kind of key `-n` and `-N` create. Keys that exist are
//! read whatever their type; this only chooses what a new key is. With the
//! `clap` feature, [`KeyType`] is the host's `--key-type` value (its
//! variants' docs are the help text).

use std::fmt;

/// The kind of key created by `-n` (account) and `-N` (domain). ECDSA
/// P-256 is the default: acme-client's manual says RSA 4096, but RSA keys
/// take seconds to generate and make every signature and certificate larger
/// (docs/ARCHITECTURE.md, "Decisions").
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum KeyType {
    /// ECDSA P-256 (JWS ES256).
    #[default]
    P256,
    /// ECDSA P-384 (JWS ES384).
    P384,
    /// RSA, 2048-bit modulus (JWS RS256).
    Rsa2048,
    /// RSA, 3072-bit modulus (JWS RS256).
    Rsa3072,
    /// RSA, 4096-bit modulus (JWS RS256).
    Rsa4096,
}

impl KeyType {
    /// Every key type, in the order `--help` lists them.
    pub const ALL: [KeyType; 5] = [
        KeyType::P256,
        KeyType::P384,
        KeyType::Rsa2048,
        KeyType::Rsa3072,
        KeyType::Rsa4096,
    ];

    /// The name `--key-type` takes: "p256", "p384", "rsa2048", ...
    pub fn name(self) -> &'static str {
        match self {
            KeyType::P256 => "p256",
            KeyType::P384 => "p384",
            KeyType::Rsa2048 => "rsa2048",
            KeyType::Rsa3072 => "rsa3072",
            KeyType::Rsa4096 => "rsa4096",
        }
    }

    /// The JWS `alg` (RFC 7518 §3.1) an account key of this type signs with.
    pub fn jws_alg(self) -> &'static str {
        match self {
            KeyType::P256 => "ES256",
            KeyType::P384 => "ES384",
            KeyType::Rsa2048 | KeyType::Rsa3072 | KeyType::Rsa4096 => "RS256",
        }
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::KeyType;

    #[test]
    fn key_type_names_are_distinct_and_p256_is_the_default() {
        let names: Vec<&str> = KeyType::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(names, ["p256", "p384", "rsa2048", "rsa3072", "rsa4096"]);
        assert_eq!(KeyType::default(), KeyType::P256);
        assert_eq!(KeyType::Rsa4096.to_string(), "rsa4096");
    }
}
