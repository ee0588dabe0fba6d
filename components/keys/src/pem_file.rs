//! Finding the private key block in a PEM file (RFC 7468).

use zeroize::Zeroizing;

use crate::KeyError;

/// The DER structure a PEM label announces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    /// "PRIVATE KEY": PrivateKeyInfo / OneAsymmetricKey (RFC 5958 §2).
    Pkcs8,
    /// "RSA PRIVATE KEY": RSAPrivateKey (RFC 8017 appendix A.1.2).
    Pkcs1,
    /// "EC PRIVATE KEY": ECPrivateKey (RFC 5915 §3).
    Sec1,
}

impl Format {
    fn from_label(label: &str) -> Option<Self> {
        match label {
            "PRIVATE KEY" => Some(Self::Pkcs8),
            "RSA PRIVATE KEY" => Some(Self::Pkcs1),
            "EC PRIVATE KEY" => Some(Self::Sec1),
            _ => None,
        }
    }
}

/// Label `openssl ecparam -genkey` writes before the key; skipped.
const EC_PARAMETERS: &str = "EC PARAMETERS";

/// The first private key block of `input` and its format. Other blocks
/// ("EC PARAMETERS", certificates) may surround it; if none is a supported
/// private key, the error names the first label found.
pub(crate) fn decode(input: &[u8]) -> Result<(Format, Zeroizing<Vec<u8>>), KeyError> {
    let blocks =
        pem::parse_many(input).map_err(|e| KeyError::Pem(escape_controls(&e.to_string())))?;
    let mut other = None;
    for block in blocks {
        let label = block.tag();
        let Some(format) = Format::from_label(label) else {
            if label != EC_PARAMETERS && other.is_none() {
                other = Some(label.to_owned());
            }
            continue;
        };
        // Traditional OpenSSL encryption (RFC 1421 §4.6.1.1 headers).
        if block.headers().get("Proc-Type").is_some() || block.headers().get("DEK-Info").is_some() {
            return Err(KeyError::Encrypted);
        }
        return Ok((format, Zeroizing::new(block.into_contents())));
    }
    Err(other.map_or(KeyError::NotPem, KeyError::UnsupportedType))
}

/// `text` with its control characters escaped as Rust does (`\n`,
/// `\u{1b}`): the PEM parser's errors quote labels as read from the file,
/// and an error is one line of printable text.
fn escape_controls(text: &str) -> String {
    text.chars()
        .map(|c| match c.is_control() {
            true => c.escape_debug().to_string(),
            false => c.to_string(),
        })
        .collect()
}
