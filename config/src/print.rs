//! [`print`]: a [`Config`] written back as acme-client.conf(5) text,
//! normalised: macros expanded, every default written out (domain name, key
//! types, `sign with`, `challengedir`; `min-days`, `chmod`, `chown`,
//! `notify`, `subject`, `key usage`, `tls feature` and `verify with` when
//! given), one statement per line, strings
//! quoted. Parsing the output gives the same [`Config`].

use crate::{Authority, Config, Domain};
use std::fmt::Write as _;
use std::path::Path;

/// `text` in double quotes, `\` and `"` escaped. (The parser refuses
/// control characters, so there are none to escape.)
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn path(path: &Path) -> String {
    quote(&path.to_string_lossy())
}

/// The normalised text of `config`: authorities, then domains, each block
/// followed by an empty line between blocks.
pub fn print(config: &Config) -> String {
    let mut blocks: Vec<String> = Vec::new();
    blocks.extend(config.authorities.iter().map(authority));
    blocks.extend(config.domains.iter().map(domain));
    blocks.join("\n")
}

fn authority(a: &Authority) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "authority {} {{", quote(&a.name));
    let _ = writeln!(out, "\tapi url {}", quote(&a.api_url));
    let _ = writeln!(
        out,
        "\taccount key {} {}",
        path(&a.account_key),
        a.account_key_type
    );
    if let Some(contact) = &a.contact {
        let _ = writeln!(out, "\tcontact {}", quote(contact));
    }
    if let Some(ca_file) = &a.ca_file {
        let _ = writeln!(out, "\tca file {}", path(ca_file));
    }
    out.push_str("}\n");
    out
}

fn domain(d: &Domain) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "domain {} {{", quote(&d.handle));
    let _ = writeln!(out, "\tdomain name {}", quote(d.name()));
    if d.names.len() > 1 {
        let alt: Vec<String> = d.names[1..].iter().map(|n| quote(n)).collect();
        let _ = writeln!(out, "\talternative names {{ {} }}", alt.join(" "));
    }
    let _ = writeln!(
        out,
        "\tdomain key {} {}",
        path(&d.domain_key),
        d.domain_key_type
    );
    for (statement, file) in [
        ("domain certificate", &d.certificate),
        ("domain chain certificate", &d.chain_certificate),
        ("domain full chain certificate", &d.full_chain_certificate),
    ] {
        if let Some(file) = file {
            let _ = writeln!(out, "\t{statement} {}", path(file));
        }
    }
    let _ = writeln!(out, "\tsign with {}", quote(&d.authority.name));
    let _ = writeln!(out, "\tchallengedir {}", path(&d.challengedir));
    if let Some(days) = d.min_days {
        let _ = writeln!(out, "\tmin-days {days}");
    }
    if let Some(mode) = d.chmod {
        let _ = writeln!(out, "\tchmod {mode:04o}");
    }
    if let Some(owner) = &d.chown {
        let _ = writeln!(out, "\tchown {}", quote(owner));
    }
    if let Some(cmd) = &d.notify {
        let _ = writeln!(out, "\tnotify {}", quote(cmd));
    }
    if let Some(subject) = &d.subject {
        let _ = writeln!(out, "\tsubject {}", quote(&subject.to_string()));
    }
    if let Some(usages) = &d.key_usage {
        let names: Vec<&str> = usages.usages().iter().map(|u| u.name()).collect();
        let _ = writeln!(out, "\tkey usage {}", names.join(", "));
    }
    if let Some(features) = &d.tls_features {
        let names: Vec<&str> = features.features().iter().map(|t| t.name()).collect();
        let _ = writeln!(out, "\ttls feature {}", names.join(", "));
    }
    if let Some(file) = &d.verify_with {
        let _ = writeln!(out, "\tverify with {}", path(file));
    }
    if let Some(name) = &d.profile {
        let _ = writeln!(out, "\tprofile {}", quote(name));
    }
    if let Some(name) = &d.preferred_chain {
        let _ = writeln!(out, "\tpreferred chain {}", quote(name));
    }
    out.push_str("}\n");
    out
}
