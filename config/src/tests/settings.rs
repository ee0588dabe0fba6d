//! The per-certificate settings of a domain block: `min-days N` and
//! `notify CMD`, `chmod MODE` and `chown USER[:GROUP]`, `subject DN`, `key
//! usage LIST`, `tls feature LIST` and `verify with FILE` (lacme's
//! certificate sections).

use super::{fails_at, ok, EXAMPLE, PEBBLE};
use crate::{print, MAX_MIN_DAYS};

/// A domain block like EXAMPLE with `lines` added; PEBBLE is 4 lines and
/// the block's header 1, so the first added line is line 6.
fn with(lines: &str) -> String {
    format!(
        "{PEBBLE}domain example.com {{\n{lines}\n\tdomain key /k\n\tdomain certificate /c\n}}\n"
    )
}

#[test]
fn min_days_and_notify_are_read() {
    let config = ok(&with("min-days 45\nnotify \"systemctl reload nginx\""));
    let d = &config.domains[0];
    assert_eq!(d.min_days, Some(45));
    assert_eq!(d.notify.as_deref(), Some("systemctl reload nginx"));
}

#[test]
fn without_them_neither_is_set() {
    let d = &ok(&format!("{PEBBLE}{EXAMPLE}")).domains[0];
    assert_eq!(d.min_days, None);
    assert_eq!(d.notify, None);
}

#[test]
fn min_days_bounds_are_1_and_max() {
    assert_eq!(ok(&with("min-days 1")).domains[0].min_days, Some(1));
    let max = format!("min-days {MAX_MIN_DAYS}");
    assert_eq!(ok(&with(&max)).domains[0].min_days, Some(MAX_MIN_DAYS));
    for bad in ["0", "367", "+5", "thirty", "4294967296", "-1"] {
        fails_at(
            &with(&format!("min-days {bad}")),
            6,
            10,
            "a number of days from 1 to 366",
        );
    }
}

#[test]
fn chmod_takes_read_bits_with_the_owners() {
    for (text, mode) in [
        ("0440", 0o440),
        ("400", 0o400),
        ("0444", 0o444),
        ("0404", 0o404),
    ] {
        assert_eq!(
            ok(&with(&format!("chmod {text}"))).domains[0].chmod,
            Some(mode)
        );
    }
    assert_eq!(ok(&with("")).domains[0].chmod, None);
    fails_at(&with("chmod 0640"), 6, 7, "only read bits");
    fails_at(&with("chmod 0555"), 6, 7, "never writable or executable");
    fails_at(&with("chmod 0044"), 6, 7, "the owner must keep read");
    fails_at(&with("chmod 0448"), 6, 7, "not an octal mode");
    fails_at(&with("chmod 00440"), 6, 7, "not an octal mode");
}

#[test]
fn chown_takes_user_and_group_names_or_ids() {
    for spec in ["www-data", "www-data:ssl-cert", "0:0", "1000", "_acme.x:42"] {
        let config = ok(&with(&format!("chown {spec}")));
        assert_eq!(config.domains[0].chown.as_deref(), Some(spec));
    }
    assert_eq!(ok(&with("")).domains[0].chown, None);
    for bad in ["\"\"", ":g", "u:", "-u", "u:g:h", "\"a b\""] {
        fails_at(
            &with(&format!("chown {bad}")),
            6,
            7,
            "USER[:GROUP] after `chown`",
        );
    }
}

#[test]
fn notify_needs_a_command() {
    fails_at(&with("notify \"  \""), 6, 8, "a command after `notify`");
    fails_at(&with("notify"), 6, 7, "a command after `notify`");
}

#[test]
fn each_setting_once() {
    fails_at(&with("min-days 3\nmin-days 4"), 7, 1, "min-days");
    fails_at(&with("notify a\nnotify b"), 7, 1, "notify");
}

#[test]
fn print_writes_them_and_parses_back() {
    let config = ok(&with(
        "min-days 20; chmod 440; chown www:ssl; notify 'kill -HUP \"$(cat /run/x.pid)\"'",
    ));
    let printed = print(&config);
    assert!(printed.contains("\tchmod 0440\n"), "{printed}");
    assert!(printed.contains("\tchown \"www:ssl\"\n"), "{printed}");
    assert!(printed.contains("\tmin-days 20\n"), "{printed}");
    assert!(
        printed.contains("\tnotify \"kill -HUP \\\"$(cat /run/x.pid)\\\"\"\n"),
        "{printed}"
    );
    assert_eq!(ok(&printed), config, "{printed}");
}

#[test]
fn subject_key_usage_tls_feature_and_verify_with_are_read() {
    let config = ok(&with(
        "subject \"/CN=Example.com/O=Example Org/C=DE\"\n\
         key usage digitalSignature, keyEncipherment\n\
         tls feature status_request_v2 status_request\n\
         verify with /etc/ssl/roots.pem",
    ));
    let d = &config.domains[0];
    assert_eq!(
        d.subject.as_ref().map(ToString::to_string).as_deref(),
        Some("/CN=Example.com/O=Example Org/C=DE")
    );
    assert_eq!(
        d.key_usage.as_ref().map(ToString::to_string).as_deref(),
        Some("digitalSignature,keyEncipherment")
    );
    assert_eq!(
        d.tls_features.as_ref().map(ToString::to_string).as_deref(),
        Some("status_request,status_request_v2")
    );
    assert_eq!(
        d.verify_with.as_deref(),
        Some(std::path::Path::new("/etc/ssl/roots.pem"))
    );
    // A quoted list may hold its commas itself.
    let quoted = ok(&with("key usage \"keyAgreement,digitalSignature\""));
    assert_eq!(
        quoted.domains[0]
            .key_usage
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("digitalSignature,keyAgreement")
    );
    let none = &ok(&with("")).domains[0];
    assert_eq!(
        (
            &none.subject,
            &none.key_usage,
            &none.tls_features,
            &none.verify_with
        ),
        (&None, &None, &None, &None)
    );
}

#[test]
fn bad_values_are_errors_at_the_value() {
    fails_at(
        &with("subject \"CN=example.com\""),
        6,
        9,
        "must start with '/'",
    );
    fails_at(
        &with("subject \"/DC=example\""),
        6,
        9,
        "unknown attribute type",
    );
    fails_at(&with("subject \"/C=Germany\""), 6, 9, "is not a country");
    fails_at(
        &with("key usage digitalSignature, serverAuth"),
        6,
        11,
        "serverAuth",
    );
    fails_at(&with("key usage"), 6, 10, "key usages after `key usage`");
    fails_at(&with("key usage a,"), 6, 13, "key usages after `key usage`");
    fails_at(
        &with("tls feature must-staple"),
        6,
        13,
        "unknown TLS feature",
    );
    fails_at(&with("verify with roots.pem"), 6, 13, "an absolute path");
    fails_at(&with("verify roots.pem"), 6, 8, "`with` after `verify`");
    fails_at(&with("key use x"), 6, 5, "`usage` after `key`");
}

#[test]
fn the_subjects_common_name_is_one_of_the_domains_names() {
    let text = format!(
        "{PEBBLE}domain example.com {{\n\tsubject \"/CN=www.example.com\"\n\
         \talternative names {{ www.example.com }}\n\tdomain key /k\n\tdomain certificate /c\n}}\n"
    );
    assert!(ok(&text).domains[0].subject.is_some());
    fails_at(
        &with("subject \"/CN=other.example.com\""),
        6,
        9,
        "CN is one of domain \"example.com\"'s names",
    );
}

#[test]
fn csr_settings_are_printed_and_parse_back() {
    let config = ok(&with(
        "subject '/CN=example.com/O=A\\/B \\+ \"C\"'; key usage cRLSign,digitalSignature\n\
         tls feature status_request; verify with \"/etc/ssl/my roots.pem\"",
    ));
    let printed = print(&config);
    assert!(
        printed.contains("\tkey usage digitalSignature, cRLSign\n"),
        "{printed}"
    );
    assert!(
        printed.contains("\ttls feature status_request\n"),
        "{printed}"
    );
    assert!(
        printed.contains("\tverify with \"/etc/ssl/my roots.pem\"\n"),
        "{printed}"
    );
    assert_eq!(
        config.domains[0]
            .subject
            .as_ref()
            .expect("subject")
            .attributes()[1]
            .value,
        "A/B + \"C\""
    );
    assert_eq!(ok(&printed), config, "{printed}");
    assert_eq!(print(&ok(&printed)), printed);
    fails_at(&with("subject /\nsubject /"), 7, 1, "subject");
}

#[test]
fn profile_and_preferred_chain_are_read_printed_and_parse_back() {
    let config = ok(&with(
        "profile shortlived\npreferred chain \"ISRG Root X1\"",
    ));
    let d = &config.domains[0];
    assert_eq!(d.profile.as_deref(), Some("shortlived"));
    assert_eq!(d.preferred_chain.as_deref(), Some("ISRG Root X1"));
    let printed = print(&config);
    assert!(printed.contains("\tprofile \"shortlived\"\n"), "{printed}");
    assert!(
        printed.contains("\tpreferred chain \"ISRG Root X1\"\n"),
        "{printed}"
    );
    assert_eq!(ok(&printed), config, "{printed}");
    let none = &ok(&with("")).domains[0];
    assert_eq!((&none.profile, &none.preferred_chain), (&None, &None));
}

#[test]
fn bad_profiles_and_chain_names_point_at_the_value() {
    fails_at(&with("profile \"short lived\""), 6, 9, "not a profile name");
    fails_at(&with("profile"), 6, 8, "a profile name after `profile`");
    fails_at(&with("preferred chain \"\""), 6, 17, "an empty name");
    fails_at(&with("preferred ISRG"), 6, 11, "`chain` after `preferred`");
    fails_at(&with("profile a\nprofile b"), 7, 1, "profile");
}
