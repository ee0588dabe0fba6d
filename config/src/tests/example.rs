//! docs/CONFIG.md's example, parsed from the markdown itself.

use super::ok;
use crate::key_type::KeyType;
use crate::print;
use std::path::PathBuf;

const CONFIG_MD: &str = include_str!("../../../docs/CONFIG.md");

/// The first ```conf block after the "## Example" heading.
fn example() -> &'static str {
    let (_, after) = CONFIG_MD
        .split_once("\n## Example\n")
        .expect("an Example section");
    let (_, block) = after.split_once("```conf\n").expect("a ```conf block");
    let (text, _) = block.split_once("\n```").expect("the block's end");
    text
}

#[test]
fn the_documented_example_parses_to_what_it_says() {
    let config = ok(example());
    assert_eq!(config.authorities.len(), 1);
    let pebble = &config.authorities[0];
    assert_eq!(pebble.name, "pebble");
    assert_eq!(pebble.api_url, "https://localhost:14000/dir");
    assert_eq!(
        pebble.account_key,
        PathBuf::from("/etc/acme/pebble-privkey.pem")
    );
    assert_eq!(pebble.account_key_type, KeyType::P256);
    assert_eq!(pebble.contact.as_deref(), Some("mailto:me@example.com"));
    assert_eq!(
        pebble.ca_file,
        Some(PathBuf::from("/etc/acme/pebble.minica.pem"))
    );

    let web = config.domain("example.com").expect("example.com");
    assert_eq!(
        web.names,
        ["example.com", "secure.example.com", "www.example.com"]
    );
    assert_eq!(
        web.domain_key,
        PathBuf::from("/etc/ssl/private/example.com.key")
    );
    assert_eq!(web.domain_key_type, KeyType::P384);
    assert_eq!(
        web.full_chain_certificate,
        Some(PathBuf::from("/etc/ssl/example.com.fullchain.pem"))
    );
    assert_eq!(web.certificate, None);
    assert_eq!(&web.authority, pebble);
    assert_eq!(web.challengedir, PathBuf::from("/var/www/acme"));

    let mail = config.domain("mail").expect("mail");
    assert_eq!(mail.names, ["mail.example.com"]);
    assert_eq!(
        mail.certificate,
        Some(PathBuf::from("/etc/ssl/mail.example.com.crt"))
    );
    assert_eq!(
        mail.chain_certificate,
        Some(PathBuf::from("/etc/ssl/mail.example.com.chain.pem"))
    );
    assert_eq!(mail.full_chain_certificate, None);
    assert_eq!(&mail.authority, pebble);
    assert_eq!(mail.challengedir, PathBuf::from("/srv/www/acme"));
}

/// OpenBSD's manual's example, only its directory URL changed: no `;`, no
/// acmebox addition.
#[test]
fn openbsds_manual_example_parses() {
    let config = ok(r#"api_url="https://localhost:14000/dir"
authority letsencrypt {
	api url $api_url
	account key "/etc/acme/letsencrypt-privkey.pem"
}

domain example.com {
	alternative names { secure.example.com }
	domain key "/etc/ssl/private/example.com.key" ecdsa
	domain full chain certificate "/etc/ssl/example.com.fullchain.pem"
	sign with letsencrypt
}
"#);
    assert_eq!(
        config.domains[0].names,
        ["example.com", "secure.example.com"]
    );
    assert_eq!(config.domains[0].authority.name, "letsencrypt");
}

#[test]
fn the_documented_example_prints_back_to_itself() {
    let config = ok(example());
    assert_eq!(ok(&print(&config)), config);
}

/// The parser is outside input: no prefix of the example, cut at any
/// character, and no line of it removed, may make it panic.
#[test]
fn no_cut_or_dropped_line_of_the_example_panics() {
    let text = example();
    for (i, _) in text.char_indices() {
        let _ = crate::parse("cut.conf", &text[..i]);
    }
    let lines: Vec<&str> = text.lines().collect();
    for skip in 0..lines.len() {
        let mut kept = lines.clone();
        kept.remove(skip);
        let _ = crate::parse("dropped.conf", &kept.join("\n"));
    }
}
