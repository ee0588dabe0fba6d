//! The per-certificate settings of a domain block: `min-days N` and
//! `notify CMD`, `chmod MODE` and `chown USER[:GROUP]` (lacme's certificate sections).

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
