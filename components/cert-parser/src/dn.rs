//! Formatting distinguished names for error messages.
//!
//! x509-parser's `Display` for names looks attribute types up in its OID
//! registry, a `std` `HashMap` whose `RandomState` makes the component import
//! `wasi:random/insecure-seed`; this formatter needs no table.

use x509_parser::x509::X509Name;

/// Formats a name like `O=acmebox test, CN=acmebox Test Root`, with control
/// characters escaped; an empty name is `(empty name)`.
pub fn format(name: &X509Name<'_>) -> String {
    let rdns: Vec<String> = name
        .iter_rdn()
        .map(|rdn| {
            let attributes: Vec<String> = rdn
                .iter()
                .map(|attribute| {
                    let id = attribute.attr_type().to_id_string();
                    let value = match attribute.as_str() {
                        Ok(text) => text.escape_debug().to_string(),
                        Err(_) => format!("#{}", hex(attribute.as_slice())),
                    };
                    format!("{}={value}", short_name(&id).unwrap_or(&id))
                })
                .collect();
            attributes.join("+")
        })
        .collect();
    if rdns.is_empty() {
        "(empty name)".to_string()
    } else {
        rdns.join(", ")
    }
}

/// The first common name (2.5.4.3) of `name` as text, control characters
/// escaped; none when it has none or it is not text.
pub fn common_name(name: &X509Name<'_>) -> Option<String> {
    let cn = name.iter_common_name().next()?;
    cn.as_str().ok().map(|text| text.escape_debug().to_string())
}

/// The usual short name of an attribute type (RFC 4514 §3), by dotted OID.
fn short_name(id: &str) -> Option<&'static str> {
    Some(match id {
        "2.5.4.3" => "CN",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.9" => "STREET",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.5" => "serialNumber",
        "0.9.2342.19200300.100.1.25" => "DC",
        "0.9.2342.19200300.100.1.1" => "UID",
        "1.2.840.113549.1.9.1" => "emailAddress",
        _ => return None,
    })
}

/// Lower-case hex of `bytes`, without separators.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
