//! External account binding MAC keys (RFC 8555 §7.3.4): the symmetric key a
//! CA hands out with a key identifier, read from a file and used for one
//! HMAC-SHA256 (JWS `HS256`, RFC 7518 §3.2) over the binding's signing input.

use std::io::Read as _;
use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ring::hmac;
use zeroize::Zeroizing;

use crate::file::{check_name, io_error};
use crate::KeyError;

/// The shortest MAC key accepted, bytes: HS256 wants at least 256 bits
/// (RFC 7518 §3.2); CAs hand out 32 (Google Trust Services) to 48 (pebble,
/// ZeroSSL) bytes.
pub const MIN_MAC_KEY_BYTES: usize = 32;
/// The longest MAC key accepted, bytes.
pub const MAX_MAC_KEY_BYTES: usize = 512;
/// The most bytes read from a MAC key file: the longest key's base64url
/// with room for padding, whitespace and a trailing newline.
const MAX_FILE_BYTES: u64 = 1024;

/// An HS256 key for external account binding.
pub struct MacKey(hmac::Key);

impl MacKey {
    /// Read the MAC key file `dir/name`: the key as the CA hands it out,
    /// base64url (RFC 4648 §5), padding and surrounding whitespace allowed,
    /// [`MIN_MAC_KEY_BYTES`] to [`MAX_MAC_KEY_BYTES`] bytes once decoded.
    pub fn read(dir: &Path, name: &str) -> Result<MacKey, KeyError> {
        check_name(name)?;
        let file = std::fs::File::open(dir.join(name)).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => KeyError::MacKey {
                name: name.to_owned(),
                reason: "no such file".into(),
            },
            _ => io_error("read", name, e),
        })?;
        let mut text = Zeroizing::new(Vec::new());
        file.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut text)
            .map_err(|e| io_error("read", name, e))?;
        if text.len() as u64 > MAX_FILE_BYTES {
            return Err(mac_error(
                name,
                format!("longer than {MAX_FILE_BYTES} bytes"),
            ));
        }
        MacKey::from_text(&text).map_err(|reason| mac_error(name, reason))
    }

    /// The key from its base64url text (see [`MacKey::read`]).
    pub fn from_text(text: &[u8]) -> Result<MacKey, String> {
        let text = text.trim_ascii();
        let unpadded = text.strip_suffix(b"==").or_else(|| text.strip_suffix(b"="));
        let raw = Zeroizing::new(
            URL_SAFE_NO_PAD
                .decode(unpadded.unwrap_or(text))
                .map_err(|_| {
                    "not base64url (the key as the CA gives it, e.g. from its EAB page)"
                })?,
        );
        if !(MIN_MAC_KEY_BYTES..=MAX_MAC_KEY_BYTES).contains(&raw.len()) {
            return Err(format!(
                "{} bytes once decoded; an HS256 key is {MIN_MAC_KEY_BYTES} to \
                 {MAX_MAC_KEY_BYTES} bytes",
                raw.len()
            ));
        }
        Ok(MacKey(hmac::Key::new(hmac::HMAC_SHA256, &raw)))
    }

    /// The base64url HMAC-SHA256 of `signing_input` (a JWS signature, RFC
    /// 7515 §5.1, of 32 bytes).
    pub fn mac(&self, signing_input: &[u8]) -> String {
        crate::b64url(hmac::sign(&self.0, signing_input).as_ref())
    }
}

fn mac_error(name: &str, reason: String) -> KeyError {
    KeyError::MacKey {
        name: name.to_owned(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The MAC of a known key and input, as Python's `hmac` module computes
    /// it (`hmac.new(bytes([1]*32), b"what do ya want for nothing?",
    /// hashlib.sha256)`, base64url), and one ring's verification accepts.
    #[test]
    fn hs256_known_answer() {
        let key = MacKey::from_text(URL_SAFE_NO_PAD.encode([1u8; 32]).as_bytes()).unwrap();
        let mac = key.mac(b"what do ya want for nothing?");
        assert_eq!(mac, "jLgU1Cf17AFz6Wd_36KgExBI8Y69ylONrFK02Pl3cIs");
        let raw = URL_SAFE_NO_PAD.decode(&mac).unwrap();
        assert_eq!(raw.len(), 32);
        let verify = hmac::Key::new(hmac::HMAC_SHA256, &[1u8; 32]);
        assert!(hmac::verify(&verify, b"what do ya want for nothing?", &raw).is_ok());
        assert!(hmac::verify(&verify, b"what do ya want for nothing!", &raw).is_err());
    }

    #[test]
    fn pebble_key_with_padding_and_newline_reads() {
        // pebble's test/config/pebble-config-external-account-bindings.json
        let text = b"zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W\n";
        assert!(MacKey::from_text(text).is_ok());
        let padded = URL_SAFE_NO_PAD.encode([7u8; 40]) + "=";
        assert!(MacKey::from_text(padded.as_bytes()).is_ok());
    }

    #[test]
    fn short_long_and_non_base64url_keys_are_refused() {
        let short = URL_SAFE_NO_PAD.encode([1u8; 16]);
        assert!(MacKey::from_text(short.as_bytes())
            .err()
            .unwrap()
            .contains("16 bytes"));
        let long = URL_SAFE_NO_PAD.encode([1u8; 513]);
        assert!(MacKey::from_text(long.as_bytes()).is_err());
        assert!(MacKey::from_text(b"abc+/def").is_err());
        assert!(MacKey::from_text(b"").is_err());
    }

    #[test]
    fn files_are_read_by_plain_name_only() {
        let dir = std::env::temp_dir().join(format!("acmebox-mac-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("eab"), URL_SAFE_NO_PAD.encode([9u8; 32])).unwrap();
        assert!(MacKey::read(&dir, "eab").is_ok());
        assert!(matches!(
            MacKey::read(&dir, "../eab"),
            Err(KeyError::InvalidName(_))
        ));
        let missing = MacKey::read(&dir, "none").err().unwrap().to_string();
        assert!(
            missing.contains("\"none\"") && missing.contains("no such file"),
            "{missing}"
        );
        std::fs::write(dir.join("big"), vec![b'A'; 2000]).unwrap();
        assert!(MacKey::read(&dir, "big").is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
