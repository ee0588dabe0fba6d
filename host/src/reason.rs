//! `--reason`: the RFC 5280 §5.3.1 CRLReason codes an ACME server accepts
//! in a revocation request (RFC 8555 §7.6), by number or by name.
//!
//! | code | name                   |
//! | ---- | ---------------------- |
//! | 0    | `unspecified`          |
//! | 1    | `keyCompromise`        |
//! | 3    | `affiliationChanged`   |
//! | 4    | `superseded`           |
//! | 5    | `cessationOfOperation` |
//! | 9    | `privilegeWithdrawn`   |
//!
//! The others (2 cACompromise, 6 certificateHold, 8 removeFromCRL,
//! 10 aACompromise; 7 is unused) are not for a subscriber to ask for, and
//! servers refuse them (badRevocationReason); they are refused here, before
//! any key is read or request made.

/// The accepted reasons: (code, name as RFC 5280 spells it).
pub const REASONS: [(u8, &str); 6] = [
    (0, "unspecified"),
    (1, "keyCompromise"),
    (3, "affiliationChanged"),
    (4, "superseded"),
    (5, "cessationOfOperation"),
    (9, "privilegeWithdrawn"),
];

/// The code of `text`: one of [`REASONS`], as its number or its name (case
/// aside). The error names what was given and lists what is accepted.
pub fn parse(text: &str) -> Result<u8, String> {
    let found = REASONS
        .iter()
        .find(|(code, name)| text == code.to_string() || text.eq_ignore_ascii_case(name));
    match found {
        Some((code, _)) => Ok(*code),
        None => {
            let accepted: Vec<String> = REASONS
                .iter()
                .map(|(code, name)| format!("{code} {name}"))
                .collect();
            Err(format!(
                "--reason {text:?}: not a revocation reason ACME servers accept ({})",
                accepted.join(", ")
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn accepted_codes_by_number() {
        for code in [0, 1, 3, 4, 5, 9] {
            assert_eq!(parse(&code.to_string()), Ok(code));
        }
    }

    #[test]
    fn accepted_codes_by_name_any_case() {
        assert_eq!(parse("keyCompromise"), Ok(1));
        assert_eq!(parse("KEYCOMPROMISE"), Ok(1));
        assert_eq!(parse("unspecified"), Ok(0));
        assert_eq!(parse("affiliationChanged"), Ok(3));
        assert_eq!(parse("superseded"), Ok(4));
        assert_eq!(parse("cessationOfOperation"), Ok(5));
        assert_eq!(parse("privilegeWithdrawn"), Ok(9));
    }

    #[test]
    fn reasons_servers_refuse_are_refused() {
        for bad in [
            "2",
            "6",
            "7",
            "8",
            "10",
            "256",
            "-1",
            "01",
            " 1",
            "",
            "cACompromise",
            "certificateHold",
            "removeFromCRL",
            "aACompromise",
            "key-compromise",
        ] {
            let err = parse(bad).expect_err(bad);
            assert!(err.starts_with(&format!("--reason {bad:?}")), "{err}");
            assert!(err.contains("1 keyCompromise"), "{err}");
        }
    }
}
