//! Every error: its file, line, column and what was expected.

use super::{fails_at, EXAMPLE, PEBBLE};
use crate::limits::{MAX_EXPANSION, MAX_FILE, MAX_STRING};
use crate::parse;

/// PEBBLE is 4 lines: a text after it starts on line 5.
fn after_pebble(text: &str) -> String {
    format!("{PEBBLE}{text}")
}

// The lexer.

#[test]
fn a_character_outside_the_grammar_is_refused_where_it_is() {
    fails_at("authority a (", 1, 13, "must be quoted");
    fails_at("a = \"x\"\n\u{1}", 2, 1, "control character");
}

#[test]
fn a_control_character_in_a_string_is_refused() {
    fails_at("a = \"x\ty\"", 1, 7, "no control character");
}

#[test]
fn an_unterminated_string_is_refused_at_its_start() {
    fails_at("a = \"x\nb = y", 1, 5, "a closing \" for this string");
    fails_at("a = 'x", 1, 5, "found the end of the file");
}

#[test]
fn a_backslash_must_continue_the_line() {
    fails_at("a = b \\ c", 1, 7, "a newline after `\\`");
}

#[test]
fn a_dollar_needs_a_macro_name() {
    fails_at("a = $ b", 1, 5, "a macro name");
}

#[test]
fn a_string_longer_than_the_limit_is_refused() {
    let long = "x".repeat(MAX_STRING + 1);
    fails_at(&format!("a = \"{long}\""), 1, 5, "at most 8192 bytes");
    fails_at(&format!("a = {long}"), 1, 5, "at most 8192 bytes");
}

#[test]
fn macros_do_not_nest() {
    fails_at("a = \"$b\"\nb = $a", 2, 5, "macros do not nest");
}

// Statements and macros.

#[test]
fn an_unknown_top_level_statement_is_refused() {
    fails_at(
        "\n  certificate /x",
        2,
        3,
        "a statement: `authority`, `domain`",
    );
    fails_at("{", 1, 1, "found `{`");
    fails_at(
        "\"domain\" example.com {",
        1,
        1,
        "found the quoted string \"domain\"",
    );
}

#[test]
fn a_statement_must_end_at_the_end_of_its_line() {
    let text = after_pebble("domain example.com {\ndomain key /k rsa extra\n}");
    fails_at(
        &text,
        6,
        19,
        "the end of the statement (a newline, `;` or `}`)",
    );
    fails_at(
        &format!("{} authority", PEBBLE.trim_end()),
        4,
        3,
        "the end of the statement",
    );
    fails_at(
        "a = b\nauthority a { api url https://a.test/d x",
        2,
        40,
        "`;` or `}`",
    );
}

#[test]
fn a_macro_name_is_letters_digits_and_underscores() {
    fails_at("a-b = c", 1, 1, "a macro name of letters");
}

#[test]
fn a_macro_needs_a_value() {
    fails_at("a =\n", 1, 4, "a string (the value of macro \"a\")");
    fails_at("a = {", 1, 5, "found `{`");
}

#[test]
fn an_undefined_macro_is_refused_by_name() {
    fails_at(
        &after_pebble("domain $nope {"),
        5,
        8,
        "a macro defined above, found $nope",
    );
}

#[test]
fn a_macro_value_longer_than_the_limit_is_refused() {
    let half = "x".repeat(MAX_STRING / 2 + 1);
    fails_at(
        &format!("a = {half} {half}"),
        1,
        6 + half.len() as u32,
        "a macro value of at most",
    );
}

#[test]
fn macro_expansion_is_bounded_in_all() {
    let value = ";".repeat(MAX_STRING);
    let uses = MAX_EXPANSION / MAX_STRING + 1;
    let text = format!("m = \"{value}\"\n{}", "$m\n".repeat(uses));
    let err = parse("test.conf", &text).unwrap_err();
    assert!(
        err.expected.contains("macro values expanded in all"),
        "{err}"
    );
    assert_eq!(err.line as usize, 1 + uses);
}

#[test]
fn a_file_larger_than_the_limit_is_refused_whole() {
    let text = "#".repeat(MAX_FILE + 1);
    let err = parse("big.conf", &text).unwrap_err();
    assert_eq!((err.line, err.column), (0, 0));
    assert!(
        err.to_string()
            .starts_with("big.conf: expected a file of at most"),
        "{err}"
    );
}

#[test]
fn include_is_refused_by_the_pure_parser() {
    fails_at("include \"/etc/acme/more.conf\"", 1, 9, "reads no files");
}

// Authorities.

#[test]
fn an_authority_needs_a_name_and_braces() {
    fails_at(
        "authority {",
        1,
        11,
        "the authority's name after `authority`",
    );
    fails_at("authority a\n{", 1, 12, "`{` opening the authority block");
    fails_at(
        "authority a {\napi url https://a.test/d\naccount key /k\n",
        4,
        1,
        "`}` closing the authority block opened at 1:13",
    );
}

#[test]
fn an_unknown_authority_statement_is_refused() {
    fails_at(
        "authority a {\n  domain key /k\n}",
        2,
        3,
        "an authority statement",
    );
    fails_at(
        "authority a {\n  \"api\" url x\n}",
        2,
        3,
        "an authority statement",
    );
}

#[test]
fn authority_statements_need_their_second_keyword() {
    fails_at(
        "authority a {\napi https://a.test\n}",
        2,
        5,
        "`url` after `api`",
    );
    fails_at(
        "authority a {\naccount /k\n}",
        2,
        9,
        "`key` after `account`",
    );
    fails_at("authority a {\nca /k\n}", 2, 4, "`file` after `ca`");
}

#[test]
fn the_api_url_must_be_https() {
    fails_at(
        "authority a {\napi url http://a.test/d\n}",
        2,
        9,
        "an https URL",
    );
    fails_at(
        "authority a {\napi url\n}",
        2,
        8,
        "the directory URL after `api url`",
    );
}

#[test]
fn the_contact_must_be_a_url() {
    fails_at("authority a {\ncontact admin\n}", 2, 9, "a contact URL");
}

#[test]
fn paths_must_be_absolute_files() {
    fails_at(
        "authority a {\naccount key etc/acme/k.pem\n}",
        2,
        13,
        "an absolute path (the account key file)",
    );
    fails_at(
        "authority a {\nca file /etc/ssl/\n}",
        2,
        9,
        "a file's path (the CA file)",
    );
    let text = after_pebble("domain example.com {\nchallengedir www/acme\n}");
    fails_at(&text, 6, 14, "an absolute path (the challenge directory)");
}

#[test]
fn an_unknown_key_type_is_refused() {
    fails_at(
        "authority a {\naccount key /k dsa\n}",
        2,
        16,
        "a key type (rsa, ecdsa, p256",
    );
}

#[test]
fn a_statement_given_twice_in_a_block_is_refused() {
    fails_at(
        "authority a {\napi url https://a.test/d\n  api url https://b.test/d\n}",
        3,
        3,
        "one `api url` per block (the first is at 2:9)",
    );
    fails_at(
        "authority a {\ncontact mailto:a@b.c\ncontact mailto:a@b.c\n}",
        3,
        1,
        "one `contact`",
    );
    fails_at(
        "authority a {\naccount key /k\naccount key /j\n}",
        3,
        1,
        "one `account key`",
    );
    fails_at(
        "authority a {\nca file /k\nca file /j\n}",
        3,
        1,
        "one `ca file`",
    );
    let text = after_pebble("domain example.com {\nsign with pebble\nsign with pebble\n}");
    fails_at(
        &text,
        7,
        1,
        "one `sign with` per block (the first is at 6:11)",
    );
    for statement in [
        "domain name example.com",
        "domain key /k",
        "domain certificate /c",
        "domain chain certificate /c",
        "domain full chain certificate /c",
        "challengedir /c",
    ] {
        let text = after_pebble(&format!(
            "domain example.com {{\n{statement}\n{statement}\n}}"
        ));
        let what = statement
            .rsplit_once(' ')
            .map(|(w, _)| w)
            .unwrap_or(statement);
        fails_at(&text, 7, 1, &format!("one `{what}` per block"));
    }
}

#[test]
fn an_authority_needs_an_api_url_and_an_account_key() {
    fails_at(
        "authority a {\naccount key /k\n}",
        1,
        11,
        "`api url` in authority \"a\", found its `}` at 3:1 without it",
    );
    fails_at(
        "authority a { api url https://a.test/d }",
        1,
        11,
        "`account key` in authority \"a\"",
    );
}

#[test]
fn an_authority_defined_twice_is_refused() {
    fails_at(
        &after_pebble("authority pebble {"),
        5,
        11,
        "authority \"pebble\" is defined at 1:11",
    );
}

// Domains.

#[test]
fn an_unknown_domain_statement_is_refused() {
    let text = after_pebble("domain example.com {\napi url https://a.test/d\n}");
    fails_at(&text, 6, 1, "a domain statement");
    let text = after_pebble("domain example.com {\ndomain chain /c\n}");
    fails_at(&text, 6, 14, "`certificate` after `domain chain`");
    let text = after_pebble("domain example.com {\ndomain full certificate /c\n}");
    fails_at(&text, 6, 13, "`chain` after `domain full`");
    let text = after_pebble("domain example.com {\ndomain cert /c\n}");
    fails_at(&text, 6, 8, "`name`, `key`, `certificate`");
    let text = after_pebble("domain example.com {\nsign letsencrypt\n}");
    fails_at(&text, 6, 6, "`with` after `sign`");
}

#[test]
fn a_domain_needs_a_key_and_a_certificate_file() {
    let text = after_pebble("domain example.com {\ndomain certificate /c\n}");
    fails_at(
        &text,
        5,
        8,
        "`domain key` in domain \"example.com\", found its `}` at 7:1",
    );
    let text = after_pebble("domain example.com {\ndomain key /k\ndomain chain certificate /c\n}");
    fails_at(
        &text,
        5,
        8,
        "`domain certificate` or `domain full chain certificate`",
    );
}

#[test]
fn domain_names_are_checked() {
    let text = after_pebble("domain example.com {\ndomain name exa_mple.com\n}");
    fails_at(
        &text,
        6,
        13,
        "a domain name, found invalid domain name \"exa_mple.com\"",
    );
    let text = after_pebble("domain web {\ndomain key /k\ndomain certificate /c\n}");
    fails_at(&text, 5, 8, "the handle is the domain name");
    // An IP address is a name (RFC 8738), but not one no CA can reach.
    let text = after_pebble("domain example.com {\nalternative names { 0.0.0.0 }\n}");
    fails_at(&text, 6, 21, "no CA can validate");
    let text = after_pebble("domain example.com {\nalternative names { *.*.example.com }\n}");
    fails_at(&text, 6, 21, "wildcard");
}

#[test]
fn alternative_names_need_braces_and_names_between_commas() {
    let block = |names: &str| {
        after_pebble(&format!(
            "domain example.com {{\nalternative names {names}\n}}"
        ))
    };
    fails_at(
        &block("a.example.com"),
        6,
        19,
        "`{` after `alternative names`",
    );
    fails_at(&block("{ }"), 6, 21, "a name in `alternative names");
    fails_at(&block("{ , a.example.com }"), 6, 21, "a name in");
    fails_at(
        &block("{ a.example.com,, b.example.com }"),
        6,
        35,
        "a name in",
    );
    fails_at(&block("{ a.example.com, }"), 6, 36, "a name in");
    fails_at(
        &block("{ a.example.com; b.example.com }"),
        6,
        34,
        "a name, `,` or `}`",
    );
    fails_at(&block("{ a.example.com"), 7, 2, "found the end of the file");
}

#[test]
fn a_name_given_twice_in_a_domain_is_refused() {
    let text = after_pebble(&format!(
        "{}\n",
        EXAMPLE.replace(
            "{\n",
            "{\nalternative names { www.example.com, Example.COM }\n"
        )
    ));
    fails_at(&text, 6, 38, "each name once in domain \"example.com\"");
}

#[test]
fn sign_with_an_unknown_authority_names_it_and_the_known_ones() {
    let text = after_pebble(&EXAMPLE.replace("{\n", "{\n  sign with letsencrypt\n"));
    let err = fails_at(&text, 6, 13, "unknown authority \"letsencrypt\"");
    assert!(err.expected.contains("\"pebble\""), "{err}");
}

#[test]
fn a_domain_without_sign_with_needs_an_authority_in_the_file() {
    fails_at(EXAMPLE, 1, 8, "an authority block in the file");
}

#[test]
fn a_domain_defined_twice_is_refused() {
    let text = after_pebble(&format!("{EXAMPLE}domain example.com {{"));
    fails_at(&text, 9, 8, "domain \"example.com\" is defined at 5:8");
}

#[test]
fn a_file_used_twice_is_refused_at_its_second_use() {
    let text = after_pebble(&format!(
        "{EXAMPLE}domain b.example.com {{\ndomain key /b.key\n\
         domain certificate \"/etc/ssl/private/example.com.key\"\n}}"
    ));
    fails_at(&text, 11, 20, "is the domain key at 6:13");
    let text = after_pebble(
        "domain example.com {\ndomain key /etc/acme/pebble.pem\ndomain certificate /c\n}",
    );
    fails_at(&text, 6, 12, "is the account key at 3:14");
}
