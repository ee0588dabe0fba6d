use crate::error::Pos;
use crate::lexer::{Kind, Lexer};

fn kinds(text: &str) -> Vec<(Kind, u32, u32)> {
    let mut lexer = Lexer::new("t", text, true);
    let mut out = Vec::new();
    loop {
        let token = lexer.next_token().expect("lexes");
        if token.kind == Kind::Eof {
            return out;
        }
        let Pos { line, column } = token.pos;
        out.push((token.kind, line, column));
    }
}

fn word(text: &str, quoted: bool) -> Kind {
    Kind::Word {
        text: text.into(),
        quoted,
    }
}

const NL: Kind = Kind::End { semicolon: false };

#[test]
fn lexer_gives_words_punctuation_and_positions() {
    assert_eq!(
        kinds("a {b,c}=d;\n  \"e f\" $m"),
        vec![
            (word("a", false), 1, 1),
            (Kind::Open, 1, 3),
            (word("b", false), 1, 4),
            (Kind::Comma, 1, 5),
            (word("c", false), 1, 6),
            (Kind::Close, 1, 7),
            (Kind::Equals, 1, 8),
            (word("d", false), 1, 9),
            (Kind::End { semicolon: true }, 1, 10),
            (NL, 1, 11),
            (word("e f", true), 2, 3),
            (
                Kind::Macro {
                    name: "m".into(),
                    suffix: String::new()
                },
                2,
                9
            ),
        ]
    );
}

#[test]
fn comments_run_to_the_end_of_the_line() {
    assert_eq!(
        kinds("a # b { } \"\n#x\nc"),
        vec![
            (word("a", false), 1, 1),
            (NL, 1, 12),
            (NL, 2, 3),
            (word("c", false), 3, 1)
        ]
    );
}

#[test]
fn backslash_newline_continues_the_line() {
    assert_eq!(
        kinds("a \\\n  b \\\r\nc"),
        vec![
            (word("a", false), 1, 1),
            (word("b", false), 2, 3),
            (word("c", false), 3, 1)
        ]
    );
    assert_eq!(kinds("\"a\\\nb\""), vec![(word("ab", true), 1, 1)]);
}

#[test]
fn quoted_strings_take_escapes_and_single_quotes() {
    assert_eq!(
        kinds(r#""a\"b\\c\d" 'x"y\'z'"#),
        vec![
            (word("a\"b\\c\\d", true), 1, 1),
            (word("x\"y'z", true), 1, 13)
        ]
    );
}

#[test]
fn bare_words_take_paths_urls_and_dollars_inside() {
    assert_eq!(
        kinds("/etc/a-b_c.pem https://x:1/d?e mailto:a@b.c a$b"),
        vec![
            (word("/etc/a-b_c.pem", false), 1, 1),
            (word("https://x:1/d?e", false), 1, 16),
            (word("mailto:a@b.c", false), 1, 32),
            (word("a$b", false), 1, 45),
        ]
    );
}

#[test]
fn crlf_line_ends_are_newlines() {
    assert_eq!(
        kinds("a\r\nb"),
        vec![
            (word("a", false), 1, 1),
            (NL, 1, 2),
            (word("b", false), 2, 1)
        ]
    );
}

#[test]
fn non_ascii_is_taken_only_in_quotes() {
    assert_eq!(kinds("\"/srv/é\""), vec![(word("/srv/é", true), 1, 1)]);
    let err = Lexer::new("t", "é", true).next_token().unwrap_err();
    assert!(err.to_string().contains("must be quoted"), "{err}");
}

#[test]
fn a_macro_reference_keeps_the_bare_text_glued_to_it() {
    assert_eq!(
        kinds("$dir/key.pem $a"),
        vec![
            (
                Kind::Macro {
                    name: "dir".into(),
                    suffix: "/key.pem".into()
                },
                1,
                1
            ),
            (
                Kind::Macro {
                    name: "a".into(),
                    suffix: String::new()
                },
                1,
                14
            ),
        ]
    );
}
