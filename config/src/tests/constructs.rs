//! Each construct of the grammar, accepted, with what it yields.

use super::{ok, EXAMPLE, PEBBLE};
use crate::key_type::KeyType;
use crate::DEFAULT_CHALLENGEDIR;
use std::path::PathBuf;

#[test]
fn an_empty_file_or_comments_only_is_an_empty_config() {
    for text in ["", "\n\n", "# nothing\n  # here", ";;\n;"] {
        let config = ok(text);
        assert!(config.authorities.is_empty() && config.domains.is_empty());
    }
}

#[test]
fn authority_takes_api_url_account_key_contact_and_ca_file() {
    let config = ok("authority pebble {
        api url \"https://localhost:14000/dir\"
        account key \"/etc/acme/pebble.pem\" ecdsa
        contact \"mailto:admin@example.com\"
        ca file \"/etc/acme/pebble.minica.pem\"
    }");
    let a = &config.authorities[0];
    assert_eq!(a.name, "pebble");
    assert_eq!(a.api_url, "https://localhost:14000/dir");
    assert_eq!(a.account_key, PathBuf::from("/etc/acme/pebble.pem"));
    assert_eq!(a.account_key_type, KeyType::P384);
    assert_eq!(a.contact.as_deref(), Some("mailto:admin@example.com"));
    assert_eq!(
        a.ca_file,
        Some(PathBuf::from("/etc/acme/pebble.minica.pem"))
    );
}

#[test]
fn key_types_are_openbsds_and_acmeboxs_and_default_to_p256() {
    for (word, kind) in [
        ("", KeyType::P256),
        ("rsa", KeyType::Rsa4096),
        ("ecdsa", KeyType::P384),
        ("p256", KeyType::P256),
        ("p384", KeyType::P384),
        ("rsa2048", KeyType::Rsa2048),
        ("rsa3072", KeyType::Rsa3072),
        ("rsa4096", KeyType::Rsa4096),
    ] {
        let text = format!(
            "authority a {{\napi url https://ca.test/dir\naccount key /k {word}\n}}\n\
             domain example.com {{\ndomain key /d {word}\ndomain certificate /c\n}}"
        );
        let config = ok(&text);
        assert_eq!(config.authorities[0].account_key_type, kind, "{word:?}");
        assert_eq!(config.domains[0].domain_key_type, kind, "{word:?}");
    }
}

#[test]
fn domain_takes_every_statement() {
    let config = ok(&format!(
        "{PEBBLE}authority other {{
            api url https://other.test/dir
            account key /etc/acme/other.pem
        }}
        domain web {{
            domain name WWW.Example.com
            alternative names {{ a.example.com, b.example.com c.example.com
                d.example.com }}
            alternative names {{ *.example.com }}
            domain key \"/etc/ssl/private/web.key\" rsa
            domain certificate \"/etc/ssl/web.crt\"
            domain chain certificate \"/etc/ssl/web.chain.pem\"
            domain full chain certificate \"/etc/ssl/web.fullchain.pem\"
            sign with other
            challengedir \"/srv/acme\"
        }}"
    ));
    let d = &config.domains[0];
    assert_eq!(d.handle, "web");
    assert_eq!(
        d.names,
        [
            "www.example.com",
            "a.example.com",
            "b.example.com",
            "c.example.com",
            "d.example.com",
            "*.example.com"
        ]
    );
    assert_eq!(d.name(), "www.example.com");
    assert_eq!(d.domain_key, PathBuf::from("/etc/ssl/private/web.key"));
    assert_eq!(d.domain_key_type, KeyType::Rsa4096);
    assert_eq!(d.certificate, Some(PathBuf::from("/etc/ssl/web.crt")));
    assert_eq!(
        d.chain_certificate,
        Some(PathBuf::from("/etc/ssl/web.chain.pem"))
    );
    assert_eq!(
        d.full_chain_certificate,
        Some(PathBuf::from("/etc/ssl/web.fullchain.pem"))
    );
    assert_eq!(d.authority, config.authorities[1]);
    assert_eq!(d.challengedir, PathBuf::from("/srv/acme"));
}

#[test]
fn domain_defaults_are_the_handle_the_first_authority_and_var_www_acme() {
    let config = ok(&format!("{PEBBLE}{EXAMPLE}"));
    let d = &config.domains[0];
    assert_eq!(d.names, ["example.com"]);
    assert_eq!(d.authority.name, "pebble");
    assert_eq!(d.challengedir, PathBuf::from(DEFAULT_CHALLENGEDIR));
    assert_eq!(d.certificate, None);
    assert_eq!(d.chain_certificate, None);
}

#[test]
fn a_certificate_alone_is_enough() {
    let config = ok(&format!(
        "{PEBBLE}domain example.com {{\ndomain key /k.pem\ndomain certificate /c.pem\n}}"
    ));
    assert_eq!(config.domains[0].full_chain_certificate, None);
}

#[test]
fn sign_with_may_name_an_authority_defined_later() {
    let config = ok(&format!(
        "domain example.com {{\ndomain key /k\ndomain certificate /c\nsign with pebble\n}}\n{PEBBLE}"
    ));
    assert_eq!(config.domains[0].authority.name, "pebble");
}

#[test]
fn macros_expand_outside_quotes_only() {
    let config = ok(r#"
        dir = "https://localhost:14000/dir"
        name=pebble
        keys = /etc/acme
        both = $name
        authority $both {
            api url $dir
            account key "/$keys/a.pem"
        }
    "#);
    let a = &config.authorities[0];
    assert_eq!(a.name, "pebble");
    assert_eq!(a.api_url, "https://localhost:14000/dir");
    assert_eq!(a.account_key, PathBuf::from("/$keys/a.pem"));
}

#[test]
fn a_macro_value_joins_its_strings_and_may_hold_several_tokens() {
    let config = ok(&format!(
        "{PEBBLE}alts = \"a.example.com\" b.example.com\n\
         keyline = \"domain key /k.pem ecdsa\"\n\
         domain example.com {{\nalternative names {{ $alts }}\n$keyline\n\
         domain certificate /c.pem\n}}"
    ));
    let d = &config.domains[0];
    assert_eq!(d.names, ["example.com", "a.example.com", "b.example.com"]);
    assert_eq!(d.domain_key_type, KeyType::P384);
}

#[test]
fn a_macro_may_be_redefined_and_the_last_value_is_used() {
    let config = ok(&format!(
        "n = a\nn = pebble\n{PEBBLE}domain example.com {{\ndomain key /k\ndomain certificate /c\nsign with $n\n}}"
    ));
    assert_eq!(config.domains[0].authority.name, "pebble");
}

#[test]
fn semicolons_separate_statements_like_newlines() {
    let config = ok(
        "authority a { api url https://ca.test/dir; account key /k; contact mailto:a@b.test }; \
         domain example.com { domain key /d; domain certificate /c; sign with a }",
    );
    assert_eq!(
        config.domains[0].authority.contact.as_deref(),
        Some("mailto:a@b.test")
    );
}

#[test]
fn quoted_keywords_are_strings() {
    let config = ok(
        "authority \"key\" {\napi url https://ca.test/dir\naccount key /k\n}\n\
         domain \"example.com\" {\ndomain key /d\ndomain certificate /c\nsign with \"key\"\n}",
    );
    assert_eq!(config.domains[0].authority.name, "key");
}

#[test]
fn keywords_are_words_where_a_value_is_expected() {
    let config = ok(
        "authority domain {\napi url https://ca.test/dir\naccount key /k\n}\n\
         domain example.com {\ndomain key /d\ndomain certificate /c\nsign with domain\n}",
    );
    assert_eq!(config.domains[0].authority.name, "domain");
}

#[test]
fn several_authorities_may_share_an_account_key() {
    let config = ok(
        "authority a {\napi url https://a.test/dir\naccount key /k\n}\n\
         authority b {\napi url https://b.test/dir\naccount key /k\n}",
    );
    assert_eq!(config.authorities.len(), 2);
}

#[test]
fn the_same_name_may_be_in_two_domains() {
    let config = ok(&format!(
        "{PEBBLE}{EXAMPLE}domain example.com-rsa {{\ndomain name example.com\n\
         domain key /rsa.key rsa\ndomain certificate /rsa.crt\n}}"
    ));
    assert_eq!(config.domains[1].names, ["example.com"]);
}

#[test]
fn select_finds_handles_in_order_and_refuses_unknown_ones() {
    let config = ok(&format!(
        "{PEBBLE}{EXAMPLE}domain b.example.com {{\ndomain key /b\ndomain certificate /bc\n}}"
    ));
    let all = config.select(&[]).expect("all");
    assert_eq!(all.len(), 2);
    let picked = config
        .select(&["b.example.com".into(), "example.com".into()])
        .expect("both");
    assert_eq!(picked[0].handle, "b.example.com");
    let err = config.select(&["nope".into()]).unwrap_err();
    assert!(
        err.contains("\"nope\"") && err.contains("example.com"),
        "{err}"
    );
    let err = config
        .select(&["example.com".into(), "example.com".into()])
        .unwrap_err();
    assert!(err.contains("twice"), "{err}");
}
