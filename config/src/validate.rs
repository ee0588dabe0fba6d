//! The values a configuration holds that the command line takes too,
//! checked the same way: ACME directory URLs (https origins) and certificate
//! names (DNS names and wildcards, RFC 8555 §7.1.3, §7.1.4), and the mode
//! of installed certificate files. The host re-exports these from its own
//! `validate`.

/// The mode installed certificate files get by default (`chmod` not given).
pub const DEFAULT_CERT_MODE: u32 = 0o444;

/// `chmod MODE` / `--chmod MODE`: octal digits (`0440`, `440`), at most four.
/// Only read bits (a subset of 0444) including the owner's: a write bit would
/// let someone replace the bytes the next run compares with what it issued,
/// an execute bit means nothing for a certificate, and acmebox itself reads
/// the files back (as their owner) to decide whether to renew. So 0400, 0440,
/// 0404 or 0444.
pub fn cert_mode(text: &str) -> Result<u32, String> {
    let mode = if !text.is_empty()
        && text.len() <= 4
        && text.bytes().all(|b| (b'0'..=b'7').contains(&b))
    {
        u32::from_str_radix(text, 8).map_err(|e| format!("mode {text:?}: {e}"))?
    } else {
        return Err(format!("mode {text:?}: not an octal mode such as 0440"));
    };
    if mode & !DEFAULT_CERT_MODE != 0 {
        return Err(format!(
            "mode {text:?}: only read bits (0400, 0440, 0404, 0444): certificate files are \
             never writable or executable"
        ));
    }
    if mode & 0o400 == 0 {
        return Err(format!(
            "mode {text:?}: the owner must keep read (0400): acmebox reads the files back"
        ));
    }
    Ok(mode)
}

/// `chown USER[:GROUP]` / `--chown`: a user and optionally a group, each a
/// name (ASCII letters, digits, `.`, `_`, `-`; not starting with `-`) or a
/// numeric id. Only the syntax: the host resolves names (host/src/owner.rs).
pub fn owner_spec(text: &str) -> Result<(), String> {
    let part = |p: &str| {
        !p.is_empty()
            && p.len() <= 32
            && !p.starts_with('-')
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    };
    let (user, group) = match text.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (text, None),
    };
    if part(user) && group.is_none_or(part) {
        Ok(())
    } else {
        Err(format!(
            "{text:?}: not USER[:GROUP] (names of letters, digits, '.', '_', '-', or numeric ids)"
        ))
    }
}

/// `contact URL` / `acmebox account --contact URL`: the account's contact
/// (RFC 8555 §7.3), a URL such as `mailto:me@example.com`, without control
/// characters (the url crate would drop a tab or line break unseen, and the
/// text is printed back). Other schemes than `mailto:` are left to the
/// server, which may refuse them (§7.3: unsupportedContact).
pub fn contact(text: &str) -> Result<(), String> {
    if text.chars().any(char::is_control) {
        return Err(format!("{text:?}: contains a control character"));
    }
    url::Url::parse(text)
        .map(drop)
        .map_err(|e| format!("{text:?}: not a URL (mailto:...): {e}"))
}

/// The scheme, host and port of an https URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// Host name or IP literal (IPv6 without brackets), lower-case.
    pub host: String,
    /// Port, 443 when the URL has none.
    pub port: u16,
}

/// The longest `--preferred-chain` (a domain's `preferred chain`) name: X.520's upper bound of a common
/// name (RFC 5280 appendix A.1, ub-common-name).
pub const MAX_PREFERRED_CHAIN: usize = 64;

/// `--preferred-chain` (a domain's `preferred chain`)'s value: an issuer common name, not empty, at most
/// [`MAX_PREFERRED_CHAIN`] characters, without control characters (it is
/// compared with what cert-parser read, which escapes them).
pub fn preferred_chain(name: &str) -> Result<(), String> {
    if name.is_empty() {
        Err("an empty name".into())
    } else if name.chars().count() > MAX_PREFERRED_CHAIN {
        Err(format!(
            "longer than a common name may be ({MAX_PREFERRED_CHAIN} characters)"
        ))
    } else if name.chars().any(char::is_control) {
        Err("contains a control character".into())
    } else {
        Ok(())
    }
}

/// `--profile`'s value (a domain's `profile`): a profile name as servers spell them (Let's
/// Encrypt's `classic`, `tlsserver`, `shortlived`): 1 to 64 ASCII letters,
/// digits, `-`, `_` or `.`.
pub fn profile(name: &str) -> Result<(), String> {
    let ok = (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    match ok {
        true => Ok(()),
        false => Err("not a profile name (1 to 64 letters, digits, '-', '_' or '.')".into()),
    }
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

/// A certificate name: an IP address ([`ip_name`], RFC 8738), or else a DNS
/// name ([`dns_name`]). Text that parses as an address (also in brackets)
/// or holds a `:` is taken for an address.
pub fn name(name: &str) -> Result<String, String> {
    let bare = name.trim_start_matches('[').trim_end_matches(']');
    if bare.parse::<std::net::IpAddr>().is_ok() || name.contains(':') {
        ip_name(name)
    } else {
        dns_name(name)
    }
}

/// Whether a name [`name`] accepted is an IP address: an `ip` identifier
/// (RFC 8738 §3) and an iPAddress subjectAltName, never a common name.
pub fn is_ip(name: &str) -> bool {
    name.parse::<std::net::IpAddr>().is_ok()
}

/// An IP address as a certificate identifier (RFC 8738 §3): IPv4 in dotted
/// decimal or IPv6 text, without brackets, zone or prefix, in its canonical
/// form (IPv6 as RFC 5952 §4 writes it: lower case, longest zero run
/// compressed), which is how it is sent, compared and stored. Unspecified
/// and multicast addresses are refused: no CA can reach them.
pub fn ip_name(name: &str) -> Result<String, String> {
    let bad = |why: &str| Err(format!("invalid IP address {name:?}: {why}"));
    if name.starts_with('[') || name.ends_with(']') {
        return bad("write it without brackets (2001:db8::1, not [2001:db8::1])");
    }
    let Ok(ip) = name.parse::<std::net::IpAddr>() else {
        return bad("not an IPv4 or IPv6 address (no zone, no prefix length)");
    };
    if ip.is_unspecified() || ip.is_multicast() {
        return bad("an unspecified or multicast address, which no CA can validate");
    }
    Ok(ip.to_string())
}

/// A DNS name acceptable as a certificate identifier, lower-cased: LDH labels
/// of 1–63 characters, at most 253 in all, at least two labels, no wildcard
/// (see [`wildcard_name`]).
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

/// A wildcard name, `*.` and a [`dns_name`] (so at least `*.example.com`),
/// lower-cased. Only dns-01 validates one (RFC 8555 §7.1.3, §8.4), so the
/// command line takes it only with `-t dns-01`.
pub fn wildcard_name(name: &str) -> Result<String, String> {
    match name.strip_prefix("*.") {
        Some(base) => dns_name(base)
            .map(|base| format!("*.{base}"))
            .map_err(|e| format!("wildcard {name:?}: {e}")),
        None => Err(format!(
            "invalid wildcard name {name:?}: it must start with \"*.\""
        )),
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
    fn wildcard_names_are_star_dot_and_a_dns_name() {
        assert_eq!(wildcard_name("*.Example.COM").unwrap(), "*.example.com");
        for bad in [
            "*.com",
            "*",
            "*.",
            "**.example.com",
            "*.*.example.com",
            "a*.example.com",
            "example.com",
            "*.example..com",
            "*.127.0.0.1",
        ] {
            assert!(wildcard_name(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn contacts_are_urls_without_control_characters() {
        assert!(contact("mailto:admin@example.com").is_ok());
        for bad in ["admin@example.com", "", "mailto:a@b.c\nx", "mailto:a@b.c\t"] {
            assert!(contact(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn ip_addresses_are_names_in_canonical_form() {
        assert_eq!(name("127.0.0.1").unwrap(), "127.0.0.1");
        assert_eq!(name("2001:DB8:0:0:0:0:0:1").unwrap(), "2001:db8::1");
        assert_eq!(name("::ffff:1.2.3.4").unwrap(), "::ffff:1.2.3.4");
        assert_eq!(name("WWW.example.com").unwrap(), "www.example.com");
        assert!(is_ip("::1") && is_ip("10.1.2.3") && !is_ip("a.example"));
        for bad in [
            "[::1]",
            "fe80::1%eth0",
            "::1/128",
            "0.0.0.0",
            "::",
            "224.0.0.1",
            "1::2::3",
        ] {
            let err = name(bad).unwrap_err();
            assert!(err.contains("IP address"), "{bad}: {err}");
        }
        assert!(
            name("01.2.3.4").is_err(),
            "leading zeros are not dotted decimal"
        );
    }

    #[test]
    fn ip_addresses_are_refused_by_name() {
        for ip in ["127.0.0.1", "10.0.0.256", "::1", "[2001:db8::1]", "1.2.3"] {
            let err = dns_name(ip).unwrap_err();
            assert!(err.contains("IP address"), "{ip}: {err}");
        }
    }
}
