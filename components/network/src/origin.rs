//! The origin rule: every URL this stage contacts shares the directory's
//! origin (scheme, host and port, RFC 6454 §4), and the scheme is https
//! (RFC 8555 §6.1). URLs are checked here, before any connection, with a
//! small parser of our own so that nothing the server sends can make a URL
//! library panic or read a URL differently from the check.

use std::fmt;

/// The https origin of the directory URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The host as written in the URL (IPv6 literals keep their brackets).
    host: String,
    /// The port, 443 when the URL names none.
    port: u16,
}

impl Origin {
    /// Parse an https URL into its origin, rejecting anything unusual:
    /// other schemes, user information, empty hosts, characters outside the
    /// RFC 3986 reg-name / IP-literal sets, bad ports, whitespace and controls.
    pub fn parse(url: &str) -> Result<Origin, String> {
        let bad = |why: &str| format!("URL {url:?} is not usable: {why}");
        if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("it contains whitespace or control characters"));
        }
        let rest = match url.get(..8) {
            Some(scheme) if scheme.eq_ignore_ascii_case("https://") => &url[8..],
            _ => return Err(bad("it is not an https URL")),
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let authority = &rest[..end];
        if authority.contains('@') {
            return Err(bad("it has user information"));
        }
        let (host, port) = split_host_port(authority).ok_or_else(|| bad("bad host or port"))?;
        Ok(Origin {
            host: host.to_string(),
            port,
        })
    }

    /// The host as written in the directory URL, lowercased (as a URL parser
    /// normalises it); IPv6 literals keep their brackets. This is the name
    /// handed to the imported resolver.
    pub fn host(&self) -> String {
        self.host.to_ascii_lowercase()
    }

    /// The port the directory URL names (443 by default).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Whether `host` (as it appears in a URL) names this origin's host.
    pub fn same_host(&self, host: &str) -> bool {
        self.host.eq_ignore_ascii_case(host)
    }

    /// Check that `url`, received from `from` ("the server", "the host"),
    /// is an https URL on this origin; returns it unchanged.
    pub fn check<'a>(&self, url: &'a str, from: &str) -> Result<&'a str, String> {
        match Origin::parse(url) {
            Ok(o) if self.same_host(&o.host) && o.port == self.port => Ok(url),
            _ => Err(format!(
                "URL {url:?} from {from} is not on the directory's origin {self}"
            )),
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "https://{}", self.host)?;
        if self.port != 443 {
            write!(f, ":{}", self.port)?;
        }
        Ok(())
    }
}

/// Split an authority without user information into host and port.
fn split_host_port(authority: &str) -> Option<(&str, u16)> {
    let (host, port) = if authority.starts_with('[') {
        let close = authority.find(']')?;
        let host = &authority[..=close];
        let inner = &host[1..close];
        let ok = |c: char| c.is_ascii_hexdigit() || c == ':' || c == '.';
        if !inner.contains(':') || !inner.chars().all(ok) {
            return None;
        }
        (host, &authority[close + 1..])
    } else {
        let colon = authority.find(':').unwrap_or(authority.len());
        let host = &authority[..colon];
        let ok = |c: char| c.is_ascii_alphanumeric() || "-._~".contains(c);
        if host.is_empty() || !host.chars().all(ok) {
            return None;
        }
        (host, &authority[colon..])
    };
    let port = match port.strip_prefix(':') {
        None if port.is_empty() => 443,
        None => return None,
        Some("") => 443,
        Some(p) if p.bytes().all(|b| b.is_ascii_digit()) && p.len() <= 5 => p.parse().ok()?,
        Some(_) => return None,
    };
    (port != 0).then_some((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> Origin {
        Origin::parse("https://localhost:14000/dir").unwrap()
    }

    #[test]
    fn parses_and_displays() {
        assert_eq!(dir().to_string(), "https://localhost:14000");
        let o = Origin::parse("https://Example.org/directory").unwrap();
        assert_eq!((o.host().as_str(), o.port()), ("example.org", 443));
        assert_eq!(o.to_string(), "https://Example.org");
        let v6 = Origin::parse("https://[::1]:8443?x").unwrap();
        assert_eq!((v6.host().as_str(), v6.port()), ("[::1]", 8443));
        assert_eq!(Origin::parse("HTTPS://a.test:/x").unwrap().port(), 443);
    }

    #[test]
    fn rejects_odd_urls() {
        for url in [
            "http://localhost:14000/",
            "https://",
            "https:///x",
            "https://user@localhost:14000/",
            "https://localhost:99999/",
            "https://localhost:0/",
            "https://localhost:+1/",
            "https://local host/",
            "https://localhost:14000/a b",
            "https://[::1/",
            "https://[zz]/",
            "https://a:1:2/",
            "https://a\\b/",
            "ftp://localhost/",
            "",
        ] {
            assert!(Origin::parse(url).is_err(), "{url}");
        }
    }

    #[test]
    fn same_origin_only() {
        let d = dir();
        assert!(d
            .check("https://localhost:14000/order/1", "the server")
            .is_ok());
        assert!(d.check("https://LOCALHOST:14000", "the server").is_ok());
        let err = d.check("https://evil.test/x", "the server").unwrap_err();
        assert_eq!(
            err,
            r#"URL "https://evil.test/x" from the server is not on the directory's origin https://localhost:14000"#
        );
        for url in [
            "https://localhost/x",
            "https://localhost:14001/x",
            "http://localhost:14000/x",
            "https://localhost:14000@evil.test/",
            "https://evil.test#@localhost:14000/",
            "https://localhost.evil.test:14000/",
            "/relative",
        ] {
            assert!(d.check(url, "the host").is_err(), "{url}");
        }
        let default = Origin::parse("https://ca.test/dir").unwrap();
        assert!(default
            .check("https://ca.test:443/new", "the server")
            .is_ok());
    }
}
