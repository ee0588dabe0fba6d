//! [`reasons`] on installed files made up here: each requirement of step 0
//! on its own, and all of them met.

use super::*;

const CERT: &str = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
const CHAIN: &str = "-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n";
const URL: &str = "https://acme.test/directory";
const NOW: i64 = 1_800_000_000;
const SPKI: &[u8] = b"domain key spki";

fn names() -> Vec<String> {
    vec!["a.example.com".into(), "b.example.com".into()]
}

/// What cert-parser says about CERT followed by CHAIN: everything as wanted.
fn info() -> ChainInfo {
    ChainInfo {
        names: names(),
        not_before: NOW - 30 * 86400,
        not_after: NOW + 60 * 86400,
        serial: "01".into(),
        cert_pem: CERT.into(),
        leaf_der: Vec::new(),
        chain_pem: CHAIN.into(),
        spki: SPKI.to_vec(),
        chain_linked: true,
        top_issuer: "Test Root".into(),
        renewal_id: None,
    }
}

/// Installed files that pass, changed by `edit`; the reasons found.
fn why(edit: impl FnOnce(&mut Files)) -> Vec<String> {
    why_at(DEFAULT_MIN_DAYS, edit)
}

/// [`why`] with `min_days`.
fn why_at(min_days: u32, edit: impl FnOnce(&mut Files)) -> Vec<String> {
    let mut files = Files {
        cert: CERT.into(),
        chain: Found::Plain(CHAIN.into()),
        fullchain: Found::Plain(format!("{CERT}{CHAIN}").into_bytes()),
        record: Found::Plain(directory_record(URL)),
        chain_error: None,
        info: info(),
    };
    edit(&mut files);
    let names = names();
    let wanted = Wanted {
        names: &names,
        spki: SPKI,
        directory_url: URL,
        now: NOW,
        min_days,
        expand: false,
        anchors: None,
    };
    reasons(
        &Installed {
            files: &CertFiles::in_dir(std::path::Path::new("/etc/ssl/acme")),
            cert: &files.cert,
            chain: &files.chain,
            chain_error: files.chain_error.as_deref(),
            fullchain: &files.fullchain,
            record: &files.record,
            info: &files.info,
        },
        &wanted,
    )
}

struct Files {
    cert: Vec<u8>,
    chain: Found,
    fullchain: Found,
    record: Found,
    chain_error: Option<String>,
    info: ChainInfo,
}

#[track_caller]
fn assert_one(reasons: Vec<String>, expected: &str) {
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert!(
        reasons[0].contains(expected),
        "{reasons:?} should say {expected:?}"
    );
}

#[test]
fn everything_matching_is_up_to_date() {
    assert_eq!(why(|_| {}), Vec::<String>::new());
    // Names compare as sets, case aside.
    let reasons = why(|f| {
        f.info.names = vec!["B.example.com".into(), "a.example.com".into()];
    });
    assert!(reasons.is_empty(), "{reasons:?}");
}

#[test]
fn another_domain_key_renews() {
    assert_one(
        why(|f| {
            f.info.spki = b"another key".to_vec();
        }),
        "not for the domain key",
    );
}

#[test]
fn other_names_or_thirty_days_left_renew() {
    assert_one(
        why(|f| {
            f.info.names = vec!["a.example.com".into()];
        }),
        "are not the requested",
    );
    assert_one(
        why(|f| {
            f.info.not_after = NOW + RENEW_BEFORE.as_secs() as i64;
        }),
        "30 days left",
    );
}

/// A 6-day certificate is not renewed on every run (it always has less
/// than 30 days left), but once less than half of it is left.
#[test]
fn short_lived_certificates_renew_at_half_their_lifetime() {
    let six_days = 6 * 86400;
    let issued = |age: i64| {
        why(move |f| {
            f.info.not_before = NOW - age;
            f.info.not_after = NOW - age + six_days;
        })
    };
    assert!(issued(3600).is_empty(), "{:?}", issued(3600));
    assert!(issued(six_days / 2 - 60).is_empty());
    assert_one(
        issued(six_days / 2),
        "72 hours left of a short-lived certificate valid for 144 hours",
    );
    // Ten days is still short-lived; eleven is not.
    assert_eq!(renew_before(0, 10 * 86400, DEFAULT_MIN_DAYS), 5 * 86400);
    assert_eq!(
        renew_before(0, 11 * 86400, DEFAULT_MIN_DAYS),
        RENEW_BEFORE.as_secs() as i64
    );
    // min-days does not change the short-lived rule.
    assert_eq!(renew_before(0, 10 * 86400, 366), 5 * 86400);
}

#[test]
fn min_days_sets_how_early_a_certificate_renews() {
    assert_eq!(renew_before(0, 90 * 86400, 7), 7 * 86400);
    // 60 days left (info()): kept at 59 min-days, renewed at 60.
    let with = |min_days: u32| why_at(min_days, |_| {});
    assert!(with(59).is_empty(), "{:?}", with(59));
    assert_one(with(60), "60 days left, not more than 60 (min-days)");
}

#[test]
fn new_names_are_found_and_dropped_names_are_not_new() {
    let info = info();
    let more = vec![
        "a.example.com".to_string(),
        "b.example.com".into(),
        "c.example.com".into(),
    ];
    assert_eq!(new_names(&info, &more), vec!["c.example.com".to_string()]);
    assert!(new_names(&info, &more[..1]).is_empty());
    assert!(new_names(&info, &["B.example.com".to_string()]).is_empty());
}

#[test]
fn missing_or_unparsable_chain_renews() {
    assert_one(why(|f| f.chain = Found::Absent), "chain.pem is missing");
    assert_one(
        why(|f| f.chain = Found::NotPlain("a symbolic link".into())),
        "chain.pem is a symbolic link",
    );
    // cert-parser then answers about cert.pem alone: no chain, not linked.
    assert_one(
        why(|f| {
            f.chain_error = Some("certificate 2 is not a valid X.509 certificate".into());
            f.info.chain_pem = String::new();
            f.info.chain_linked = false;
        }),
        "chain.pem does not parse after cert.pem (certificate 2",
    );
}

#[test]
fn chain_without_the_issuer_renews() {
    assert_one(
        why(|f| {
            f.info.chain_linked = false;
        }),
        "does not hold cert.pem's issuer",
    );
}

#[test]
fn files_not_as_acmebox_writes_them_renew() {
    // cert.pem holding the chain too, chain.pem empty: cert-parser's leaf
    // is only part of cert.pem, and its chain is not chain.pem.
    let reasons = why(|f| {
        f.cert = format!("{CERT}{CHAIN}").into_bytes();
        f.chain = Found::Plain(Vec::new());
        f.fullchain = Found::Plain(format!("{CERT}{CHAIN}").into_bytes());
    });
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("cert.pem is not one certificate")),
        "{reasons:?}"
    );
    assert_one(
        why(|f| {
            f.info.chain_pem = CERT.into();
        }),
        "chain.pem is not the chain as acmebox writes it",
    );
}

#[test]
fn fullchain_missing_or_different_renews() {
    assert_one(
        why(|f| f.fullchain = Found::Absent),
        "fullchain.pem is missing",
    );
    for other in [
        CERT.to_string(),
        format!("{CHAIN}{CERT}"),
        format!("{CERT}{CHAIN}\n"),
        format!("{CERT}\n{CHAIN}"),
    ] {
        assert_one(
            why(|f| f.fullchain = Found::Plain(other.into_bytes())),
            "fullchain.pem is not cert.pem followed by chain.pem",
        );
    }
}

#[test]
fn record_missing_or_naming_another_directory_renews() {
    assert_one(why(|f| f.record = Found::Absent), "issuer unknown");
    assert_one(
        why(|f| f.record = Found::NotPlain("hard-linked (2 links)".into())),
        "issuer unknown",
    );
    for other in [
        "https://acme.test/directory/\n",
        "https://acme.test/directory",
        "https://ACME.test/directory\n",
        "https://staging.acme.test/directory\n",
        "",
    ] {
        assert_one(
            why(|f| f.record = Found::Plain(other.as_bytes().to_vec())),
            "issued through another ACME directory",
        );
    }
}

#[test]
fn every_reason_is_given() {
    let reasons = why(|f| {
        f.chain = Found::Absent;
        f.fullchain = Found::Absent;
        f.record = Found::Absent;
        f.info.spki = Vec::new();
    });
    assert_eq!(reasons.len(), 4, "{reasons:?}");
}

#[test]
fn the_record_is_one_line() {
    assert_eq!(directory_record(URL), format!("{URL}\n").into_bytes());
}
