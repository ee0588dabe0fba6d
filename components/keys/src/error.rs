//! Errors from reading, creating and using a private key.

use std::io;

/// Why a key could not be read, created or used. The messages are meant
/// for the person running acmebox: they name the file or the format found.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The key file name is not a plain file name in the key directory.
    #[error("invalid key file name {0:?}: must be a plain file name (no '/', not '.' or '..')")]
    InvalidName(String),

    /// The key file does not exist and creating it was not granted.
    #[error("key file {0:?} not found (create it with -n/-N)")]
    NotFound(String),

    /// Reading or writing the key file failed.
    #[error("cannot {action} key file {name:?}: {}", io_text::describe(source))]
    Io {
        /// What was being done: "read", "write", ...
        action: &'static str,
        /// The key file name.
        name: String,
        /// The underlying error.
        source: io::Error,
    },

    /// The input holds no PEM block at all.
    #[error("not a PEM private key")]
    NotPem,

    /// A PEM block is malformed (bad framing or base64).
    #[error("malformed PEM: {0}")]
    Pem(String),

    /// The PEM block is something other than a supported private key,
    /// e.g. "ENCRYPTED PRIVATE KEY" or "CERTIFICATE".
    #[error("unsupported key type {0:?} (expected \"PRIVATE KEY\", \"RSA PRIVATE KEY\" or \"EC PRIVATE KEY\")")]
    UnsupportedType(String),

    /// A traditional PEM key encrypted with a passphrase (Proc-Type header).
    #[error("encrypted private keys are not supported: decrypt it first (openssl pkey -in KEY -out PLAIN)")]
    Encrypted,

    /// The DER inside the PEM block does not parse as its label says.
    #[error("malformed {format} private key: {reason}")]
    Malformed {
        /// The format the label promised: "PKCS#8", "PKCS#1 RSA" or "SEC1 EC".
        format: &'static str,
        /// What the parser said.
        reason: String,
    },

    /// A PKCS#8 key of an algorithm other than RSA or ECDSA (e.g. Ed25519).
    #[error("unsupported key algorithm {0} (only RSA, ECDSA P-256 and P-384)")]
    UnsupportedAlgorithm(String),

    /// An EC key on a curve other than P-256 or P-384.
    #[error("unsupported EC curve {0} (only P-256 and P-384)")]
    UnsupportedCurve(String),

    /// The key parsed but the crypto library refused it, e.g. an RSA
    /// modulus outside 2048..=8192 bits or an inconsistent EC key.
    #[error("key rejected: {0}")]
    Rejected(String),

    /// Generating a key or drawing randomness failed.
    #[error("key generation failed: no usable random number generator")]
    Random,

    /// Generating a key failed other than for randomness, e.g. the RSA
    /// library's error.
    #[error("key generation failed: {0}")]
    Generate(String),

    /// Signing failed (randomness or an internal error of the crypto library).
    #[error("signing failed")]
    Sign,

    /// The external account binding MAC key file (RFC 8555 §7.3.4) is
    /// missing or is not an HS256 key in base64url.
    #[error("external account MAC key file {name:?}: {reason}")]
    MacKey {
        /// The file name.
        name: String,
        /// What is wrong with it.
        reason: String,
    },

    /// The certificate request could not be made from the given names.
    #[error("cannot make certificate request: {0}")]
    Csr(String),
}
