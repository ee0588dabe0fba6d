//! What the fuzz targets share: the property every message shown to a
//! person must have, and turning fuzzer bytes into the framing a parser
//! expects (PEM armour around DER, RFC 7468; DER elements, X.690 §8.1).

#![forbid(unsafe_code)]

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

/// Panic unless `text` is printable on one line: no control character
/// (newline, carriage return, escape...), as every error and every server
/// text acmebox prints must be. `what` names it in the panic.
pub fn assert_one_line(what: &str, text: &str) {
    assert!(
        !text.chars().any(char::is_control),
        "{what} is not one printable line: {text:?}"
    );
}

/// Panic unless `names` is as the host compares names: ASCII lower case,
/// sorted, each once. `what` names them in the panic.
pub fn assert_normalized(what: &str, names: &[String]) {
    let lower = names
        .iter()
        .all(|n| !n.bytes().any(|b| b.is_ascii_uppercase()));
    let sorted = names.windows(2).all(|w| w[0] < w[1]);
    assert!(lower && sorted, "{what} are not normalized: {names:?}");
}

/// `der` in PEM armour labelled `label`, base64 in 64-column lines.
pub fn pem(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// `data` cut into the DER elements it starts with, each whole (tag,
/// length, contents): where a header cannot be read or runs past the end,
/// the rest is one last piece. Lets one input carry a chain of
/// certificates.
pub fn der_elements(mut data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while !data.is_empty() {
        let len = element_len(data).unwrap_or(data.len());
        let (element, rest) = data.split_at(len);
        out.push(element);
        data = rest;
    }
    out
}

/// The length of the DER element at the start of `data` (a one-byte tag,
/// a definite length of at most 4 bytes), if it fits in `data`.
fn element_len(data: &[u8]) -> Option<usize> {
    let first = *data.get(1)?;
    let (header, len) = if first < 0x80 {
        (2, usize::from(first))
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let bytes = data.get(2..2 + n)?;
        let len = bytes
            .iter()
            .fold(0usize, |acc, b| acc << 8 | usize::from(*b));
        (2 + n, len)
    };
    let total = header.checked_add(len)?;
    (total <= data.len()).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_elements_cut_at_each_element_and_keep_a_bad_tail_whole() {
        let data = [0x30, 0x01, 0xaa, 0x30, 0x81, 0x01, 0xbb, 0x30, 0x05, 0xcc];
        assert_eq!(der_elements(&data), [&data[..3], &data[3..7], &data[7..]]);
        assert!(der_elements(&[]).is_empty());
    }

    #[test]
    fn pem_wraps_at_64_columns() {
        let text = pem("X", &[0u8; 60]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "-----BEGIN X-----");
        assert_eq!(lines[1].len(), 64);
        assert_eq!(lines[2].len(), 16);
        assert_eq!(lines[3], "-----END X-----");
    }
}
