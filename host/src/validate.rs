//! Validation of values at the host's boundary: command-line input, and WIT
//! values coming back from stages (which are untrusted: docs/DESIGN.md rule 2).

/// The scheme, host and port of an https URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// Host name or IP literal (IPv6 without brackets), lower-case.
    pub host: String,
    /// Port, 443 when the URL has none.
    pub port: u16,
}

/// The origin of `url`, which must be https with a host.
pub fn https_origin(url: &str) -> Result<Origin, String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("not a URL: {e}"))?;
    if parsed.scheme() != "https" {
        return Err(format!("scheme {:?} is not https", parsed.scheme()));
    }
    let host = match parsed.host() {
        Some(url::Host::Domain(d)) => d.to_ascii_lowercase(),
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Ipv6(ip)) => ip.to_string(),
        None => return Err("no host".into()),
    };
    let port = parsed.port_or_known_default().unwrap_or(443);
    Ok(Origin { host, port })
}

/// Refuse a URL (from a stage) that is not on the directory's origin.
pub fn same_origin(url: &str, origin: &Origin) -> Result<(), String> {
    match https_origin(url) {
        Ok(o) if &o == origin => Ok(()),
        Ok(_) => Err(format!(
            "URL {url:?} is not on the ACME server's origin https://{}:{}",
            origin.host, origin.port
        )),
        Err(e) => Err(format!("URL {url:?}: {e}")),
    }
}

/// A DNS name acceptable as a certificate identifier, lower-cased: LDH labels
/// of 1–63 characters, at most 253 in all, at least two labels, no wildcard
/// (http-01 cannot validate one, RFC 8555 §7.1.3).
pub fn dns_name(name: &str) -> Result<String, String> {
    let lower = name.to_ascii_lowercase();
    let bad = |why: &str| Err(format!("invalid domain name {name:?}: {why}"));
    let bare = lower.trim_start_matches('[').trim_end_matches(']');
    if bare.parse::<std::net::IpAddr>().is_ok() {
        return bad(
            "it is an IP address; acmebox requests DNS names only (IP identifiers, RFC 8738, \
             are not supported yet)",
        );
    }
    if lower
        .rsplit('.')
        .next()
        .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
    {
        return bad("its last label is all digits, as in an IP address; a DNS name's is not");
    }
    if lower.is_empty() || lower.len() > 253 {
        return bad("must be 1 to 253 characters");
    }
    let labels: Vec<&str> = lower.split('.').collect();
    if labels.len() < 2 {
        return bad("needs at least two labels");
    }
    for label in labels {
        if label.is_empty() || label.len() > 63 {
            return bad("each label must be 1 to 63 characters");
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return bad("only letters, digits and '-' are allowed");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return bad("a label may not start or end with '-'");
        }
    }
    Ok(lower)
}

/// A token from the server: base64url (RFC 8555 §8.1), at least 128 bits.
pub fn token(token: &str) -> Result<(), String> {
    let ok = (22..=256).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(format!("challenge token {token:?} is not base64url"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_names_are_checked_and_lowercased() {
        assert_eq!(dns_name("WWW.Example.COM").unwrap(), "www.example.com");
        for bad in ["", "com", "a..b", "-a.b", "a_b.c", "*.example.com", "a.b/c"] {
            assert!(dns_name(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn ip_addresses_are_refused_by_name() {
        for ip in ["127.0.0.1", "10.0.0.256", "::1", "[2001:db8::1]", "1.2.3"] {
            let err = dns_name(ip).unwrap_err();
            assert!(err.contains("IP address"), "{ip}: {err}");
        }
    }

    #[test]
    fn urls_off_origin_are_refused() {
        let origin = https_origin("https://localhost:14000/dir").unwrap();
        assert!(same_origin("https://localhost:14000/order/1", &origin).is_ok());
        assert!(same_origin("https://localhost:14001/order/1", &origin).is_err());
        assert!(same_origin("http://localhost:14000/order/1", &origin).is_err());
        assert!(same_origin("https://evil.test:14000/", &origin).is_err());
    }

    #[test]
    fn tokens_must_be_base64url() {
        assert!(token("LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0").is_ok());
        assert!(token("../../etc/passwd-aaaaaaaaaaaaaaaa").is_err());
        assert!(token("short").is_err());
    }
}
