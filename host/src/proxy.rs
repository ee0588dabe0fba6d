//! The HTTP CONNECT proxy of a run: `--proxy URL`, or else `HTTPS_PROXY` /
//! `https_proxy` from the host's environment unless `NO_PROXY` / `no_proxy`
//! covers the ACME server's host. The stage never sees the environment; the
//! host turns it into the network grant (grant.rs) and the stage's settings.
//!
//! Only `http://host[:port]` is accepted: the usual corporate forward proxy,
//! reached in plain HTTP, asked with `CONNECT host:port` for a tunnel in which
//! the TLS session with the ACME server runs end to end.

use serde::Serialize;

/// A host and port: where a connection goes.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Endpoint {
    /// Host name (lower-case) or IP literal (IPv6 without brackets).
    pub host: String,
    /// TCP port.
    pub port: u16,
}

impl Endpoint {
    /// `host:port`, IPv6 literals in brackets.
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// The proxy a run goes through.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Proxy {
    /// The proxy's host name or IP literal.
    pub host: String,
    /// The proxy's port.
    pub port: u16,
    /// Where it came from: `--proxy`, `HTTPS_PROXY` or `https_proxy`.
    pub from: &'static str,
}

impl Proxy {
    /// Its endpoint.
    pub fn endpoint(&self) -> Endpoint {
        Endpoint {
            host: self.host.clone(),
            port: self.port,
        }
    }

    /// `http://host:port`, as handed to the network stage.
    pub fn url(&self) -> String {
        format!("http://{}", self.endpoint().authority())
    }
}

/// What the host decided about a proxy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProxyChoice {
    /// No proxy: connect to the ACME server directly.
    Direct,
    /// A proxy from the environment is set, but `NO_PROXY` covers the ACME
    /// server's host: connect directly. `(variable, value)` of the entry
    /// that matched, for `grants` to say why.
    Bypassed {
        /// The proxy that is not used.
        proxy: Proxy,
        /// `NO_PROXY` or `no_proxy`.
        variable: &'static str,
        /// The list entry that covers the host.
        entry: String,
    },
    /// Through this proxy, and nothing else.
    Through(Proxy),
}

impl ProxyChoice {
    /// The proxy connections go through, if any.
    pub fn proxy(&self) -> Option<&Proxy> {
        match self {
            ProxyChoice::Through(p) => Some(p),
            _ => None,
        }
    }
}

/// The environment variables the host reads for the network: captured once
/// (stages get an empty environment), passed explicitly so tests can choose.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Env {
    /// `HTTPS_PROXY`, else `https_proxy`: (name, value), when set and not empty.
    pub https_proxy: Option<(&'static str, String)>,
    /// `NO_PROXY`, else `no_proxy`: (name, value), when set and not empty.
    pub no_proxy: Option<(&'static str, String)>,
    /// `SSL_CERT_FILE`, when set and not empty.
    pub ssl_cert_file: Option<std::path::PathBuf>,
}

impl Env {
    /// Read the variables from this process's environment. A value that is
    /// not UTF-8 is an error naming the variable.
    pub fn from_process() -> Result<Env, String> {
        let text = |name: &'static str| -> Result<Option<(&'static str, String)>, String> {
            match std::env::var_os(name) {
                None => Ok(None),
                Some(v) if v.is_empty() => Ok(None),
                Some(v) => v
                    .into_string()
                    .map(|s| Some((name, s)))
                    .map_err(|_| format!("{name} is not valid UTF-8")),
            }
        };
        let first = |a, b| -> Result<_, String> {
            match text(a)? {
                Some(v) => Ok(Some(v)),
                None => text(b),
            }
        };
        Ok(Env {
            https_proxy: first("HTTPS_PROXY", "https_proxy")?,
            no_proxy: first("NO_PROXY", "no_proxy")?,
            ssl_cert_file: std::env::var_os("SSL_CERT_FILE")
                .filter(|v| !v.is_empty())
                .map(Into::into),
        })
    }
}

/// Decide the proxy for an ACME server on `server_host`: `--proxy` wins
/// (NO_PROXY does not apply to it: it was asked for explicitly); otherwise
/// `HTTPS_PROXY` unless `NO_PROXY` covers the host.
pub fn choose(flag: Option<&str>, env: &Env, server_host: &str) -> Result<ProxyChoice, String> {
    if let Some(url) = flag {
        return parse(url, "--proxy").map(ProxyChoice::Through);
    }
    let Some((name, url)) = &env.https_proxy else {
        return Ok(ProxyChoice::Direct);
    };
    let proxy = parse(url, name)?;
    if let Some((variable, list)) = &env.no_proxy {
        if let Some(entry) = no_proxy_entry(list, server_host) {
            return Ok(ProxyChoice::Bypassed {
                proxy,
                variable,
                entry,
            });
        }
    }
    Ok(ProxyChoice::Through(proxy))
}

/// Parse `http://host[:port][/]` (port 80 when absent). `from` names the
/// flag or variable in errors.
pub fn parse(text: &str, from: &'static str) -> Result<Proxy, String> {
    let bad = |why: &str| format!("{from} {text:?}: {why}; give http://host:port");
    let url = url::Url::parse(text).map_err(|e| bad(&format!("not a URL ({e})")))?;
    match url.scheme() {
        "http" => {}
        "https" => {
            return Err(bad(
                "a TLS connection to the proxy itself is not supported (the ACME server's TLS \
                 runs end to end inside the tunnel either way)",
            ))
        }
        s if s.starts_with("socks") => return Err(bad("SOCKS proxies are not supported")),
        s => return Err(bad(&format!("scheme {s:?} is not supported"))),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("proxy credentials are not supported"));
    }
    if !matches!(url.path(), "" | "/") || url.query().is_some() || url.fragment().is_some() {
        return Err(bad("a path, query or fragment has no meaning for a proxy"));
    }
    let host = match url.host() {
        Some(url::Host::Domain(d)) => d.to_ascii_lowercase(),
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Ipv6(ip)) => ip.to_string(),
        None => return Err(bad("no host")),
    };
    let port = url.port_or_known_default().unwrap_or(80);
    Ok(Proxy { host, port, from })
}

/// The entry of a `NO_PROXY` list that covers `host`, if any. Entries are
/// separated by commas; `*` covers every host; `example.com` (or
/// `.example.com`, `*.example.com`) covers it and every name under it; an IP
/// address covers only itself. A `:port` suffix is ignored; CIDR ranges are
/// not understood (they match nothing).
pub fn no_proxy_entry(list: &str, host: &str) -> Option<String> {
    let host = host.trim_matches(['[', ']']).to_ascii_lowercase();
    let host_is_ip = host.parse::<std::net::IpAddr>().is_ok();
    list.split(',').map(str::trim).find_map(|raw| {
        let entry = raw.to_ascii_lowercase();
        if entry == "*" {
            return Some(raw.to_string());
        }
        let entry = entry.trim_start_matches("*.").trim_start_matches('.');
        let entry = strip_port(entry);
        let covers = if entry.is_empty() {
            false
        } else if host_is_ip {
            entry == host
        } else {
            host == entry || host.ends_with(&format!(".{entry}"))
        };
        covers.then(|| raw.to_string())
    })
}

/// `entry` without a `:port` suffix or IPv6 brackets.
fn strip_port(entry: &str) -> &str {
    if let Some(inner) = entry.strip_prefix('[') {
        return inner.split(']').next().unwrap_or(inner);
    }
    if entry.matches(':').count() == 1 {
        if let Some((host, port)) = entry.split_once(':') {
            if port.bytes().all(|b| b.is_ascii_digit()) {
                return host;
            }
        }
    }
    entry
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(proxy: Option<&str>, no_proxy: Option<&str>) -> Env {
        Env {
            https_proxy: proxy.map(|p| ("HTTPS_PROXY", p.to_string())),
            no_proxy: no_proxy.map(|n| ("NO_PROXY", n.to_string())),
            ssl_cert_file: None,
        }
    }

    #[test]
    fn only_plain_http_proxies_are_accepted() {
        let p = parse("http://Proxy.Corp:3128/", "--proxy").unwrap();
        assert_eq!((p.host.as_str(), p.port), ("proxy.corp", 3128));
        assert_eq!(p.url(), "http://proxy.corp:3128");
        assert_eq!(parse("http://10.0.0.1", "--proxy").unwrap().port, 80);
        let v6 = parse("http://[::1]:8080", "HTTPS_PROXY").unwrap();
        assert_eq!(
            (v6.host.as_str(), v6.url()),
            ("::1", "http://[::1]:8080".into())
        );
        for (url, why) in [
            ("https://proxy:3128", "TLS connection to the proxy"),
            ("socks5://proxy:1080", "SOCKS"),
            ("ftp://proxy:21", "scheme \"ftp\""),
            ("http://user:pw@proxy:3128", "credentials"),
            ("http://proxy:3128/path", "path"),
            ("proxy:3128", "scheme \"proxy\""),
            ("", "not a URL"),
        ] {
            let err = parse(url, "--proxy").unwrap_err();
            assert!(
                err.contains(why) && err.starts_with("--proxy"),
                "{url}: {err}"
            );
            assert!(err.contains("http://host:port"), "{url}: {err}");
        }
    }

    #[test]
    fn no_proxy_lists_cover_names_suffixes_and_star() {
        let covers = |list: &str, host: &str| no_proxy_entry(list, host).is_some();
        assert!(covers("localhost", "localhost"));
        assert!(covers("example.com", "acme.example.com"));
        assert!(covers(" .example.com ", "acme.example.com"));
        assert!(covers("*.example.com", "acme.example.com"));
        assert!(covers("other, EXAMPLE.com:443", "example.com"));
        assert!(covers("*", "anything.test"));
        assert!(covers("127.0.0.1", "127.0.0.1"));
        assert!(covers("[::1]", "::1"));
        assert!(!covers("example.com", "notexample.com"));
        assert!(!covers("acme.example.com", "example.com"));
        assert!(!covers("1.2.3.4", "11.2.3.4"));
        assert!(!covers("2.3.4", "1.2.3.4"));
        assert!(!covers("10.0.0.0/8", "10.1.2.3"));
        assert!(!covers(",,", "localhost"));
    }

    #[test]
    fn flag_wins_then_environment_unless_no_proxy() {
        let e = env(Some("http://env:1"), Some("localhost"));
        let flag = choose(Some("http://flag:2"), &e, "localhost").unwrap();
        assert_eq!(flag.proxy().map(|p| (p.from, p.port)), Some(("--proxy", 2)));
        match choose(None, &e, "localhost").unwrap() {
            ProxyChoice::Bypassed {
                proxy,
                variable,
                entry,
            } => {
                assert_eq!(
                    (proxy.port, variable, entry.as_str()),
                    (1, "NO_PROXY", "localhost")
                )
            }
            other => panic!("{other:?}"),
        }
        let through = choose(None, &e, "acme.test").unwrap();
        assert_eq!(through.proxy().map(|p| p.from), Some("HTTPS_PROXY"));
        assert_eq!(
            choose(None, &Env::default(), "acme.test").unwrap(),
            ProxyChoice::Direct
        );
        assert!(choose(None, &env(Some("https://x:1"), None), "acme.test")
            .unwrap_err()
            .starts_with("HTTPS_PROXY"));
    }
}
