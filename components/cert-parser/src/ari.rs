//! The certificate identifier of ACME Renewal Information (RFC 9773 §4.1):
//! `base64url(keyIdentifier) "." base64url(serial)`, from the leaf's
//! Authority Key Identifier and the DER content octets of its serial
//! number (the INTEGER's value, leading zero octet included, without tag
//! and length).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::AuthorityKeyIdentifier;
use x509_parser::oid_registry::OID_X509_EXT_AUTHORITY_KEY_IDENTIFIER;
use x509_parser::prelude::FromDer;

/// The leaf's renewal information identifier; `None` when it has no
/// Authority Key Identifier with a keyIdentifier (RFC 9773 §4.1 needs one:
/// such a certificate is renewed by the old rules).
pub fn renewal_id(leaf: &X509Certificate<'_>) -> Result<Option<String>, String> {
    let mut found =
        (leaf.extensions().iter()).filter(|ext| ext.oid == OID_X509_EXT_AUTHORITY_KEY_IDENTIFIER);
    let Some(ext) = found.next() else {
        return Ok(None);
    };
    if found.next().is_some() {
        return Err("the leaf certificate has two authorityKeyIdentifier extensions".into());
    }
    let aki = match AuthorityKeyIdentifier::from_der(ext.value) {
        Ok(([], aki)) => aki,
        Ok(_) => return Err("the leaf's authorityKeyIdentifier has stray bytes".into()),
        Err(e) => return Err(format!("the leaf's authorityKeyIdentifier is invalid: {e}")),
    };
    Ok(aki
        .key_identifier
        .filter(|k| !k.0.is_empty())
        .map(|k| identifier(k.0, leaf.raw_serial())))
}

/// RFC 9773 §4.1's identifier of a key identifier and a serial's octets.
pub fn identifier(key_id: &[u8], serial: &[u8]) -> String {
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(key_id),
        URL_SAFE_NO_PAD.encode(serial)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 9773 §4.1's example.
    #[test]
    fn the_rfc_example() {
        let aki = [
            0x69, 0x88, 0x5B, 0x6B, 0x87, 0x46, 0x40, 0x41, 0xE1, 0xB3, 0x7B, 0x84, 0x7B, 0xA0,
            0xAE, 0x2C, 0xDE, 0x01, 0xC8, 0xD4,
        ];
        let serial = [0x00, 0x87, 0x65, 0x43, 0x21];
        assert_eq!(
            identifier(&aki, &serial),
            "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE"
        );
    }
}
