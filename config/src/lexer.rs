//! The tokens of acme-client.conf(5): words (bare or quoted), `$macro`
//! references, `{`, `}`, `,`, `=` and ends of statements (a newline or `;`).
//! Comments (`#` to the end of the line) and `\`-newline continuations are
//! skipped. Pure: the text is given, nothing is read.

use crate::error::{ConfigError, Pos};
use crate::limits::MAX_STRING;

/// What a token is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A string: bare (`example.com`) or quoted (`"/etc/acme/key.pem"`, its
    /// escapes resolved). Only a bare word can be a keyword.
    Word {
        /// The text.
        text: String,
        /// Whether it was quoted.
        quoted: bool,
    },
    /// `$name`, outside quotes at the start of a word: the parser replaces
    /// it with the macro's value followed by `suffix`, lexed again (as
    /// OpenBSD, `$dir/key.pem` is one word when `dir` is one).
    Macro {
        /// The macro's name.
        name: String,
        /// The bare characters right after the name (`/key.pem`).
        suffix: String,
    },
    /// `{`.
    Open,
    /// `}`.
    Close,
    /// `,`.
    Comma,
    /// `=`.
    Equals,
    /// The end of a statement: a newline, or `;` when `semicolon`.
    End {
        /// `;` rather than a newline.
        semicolon: bool,
    },
    /// The end of the text.
    Eof,
}

/// A token and where it starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: Kind,
    /// Where it starts.
    pub pos: Pos,
}

impl Kind {
    /// The token in words, for an error's "found": text from the file is
    /// quoted with Rust's escaping and cut to 40 characters.
    pub fn describe(&self) -> String {
        match self {
            Kind::Word {
                text,
                quoted: false,
            } => format!("{:?}", excerpt(text)),
            Kind::Word { text, quoted: true } => format!("the quoted string {:?}", excerpt(text)),
            Kind::Macro { name, suffix } => format!("${}", excerpt(&format!("{name}{suffix}"))),
            Kind::Open => "`{`".into(),
            Kind::Close => "`}`".into(),
            Kind::Comma => "`,`".into(),
            Kind::Equals => "`=`".into(),
            Kind::End { semicolon: true } => "`;`".into(),
            Kind::End { semicolon: false } => "the end of the line".into(),
            Kind::Eof => "the end of the file".into(),
        }
    }
}

/// At most 40 characters of `text`, with "..." when cut.
pub fn excerpt(text: &str) -> String {
    let mut out: String = text.chars().take(40).collect();
    if out.len() < text.len() {
        out.push_str("...");
    }
    out
}

/// Whether `c` may be part of a bare word: an ASCII letter or digit, or
/// ASCII punctuation except `( ) { } ! = # , ; " ' \`. (`$` may not start
/// one: there it starts a macro reference.)
pub fn is_bare(c: char) -> bool {
    c.is_ascii_alphanumeric() || (c.is_ascii_punctuation() && !"(){}!=#,;\"'\\".contains(c))
}

/// Whether `name` is a macro name: ASCII letters, digits and `_`.
pub fn is_macro_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The tokens of one text, one at a time.
pub struct Lexer<'a> {
    file: &'a str,
    text: &'a str,
    at: usize,
    pos: Pos,
    macros: bool,
}

impl<'a> Lexer<'a> {
    /// A lexer over `text`, named `file` in errors. With `macros` false (a
    /// macro's value being expanded), `$` is an error: macros do not nest.
    pub fn new(file: &'a str, text: &'a str, macros: bool) -> Lexer<'a> {
        Lexer {
            file,
            text,
            at: 0,
            pos: Pos { line: 1, column: 1 },
            macros,
        }
    }

    /// A lexer over a macro's value, where `$` is an error (the parser
    /// gives its tokens the position of the `$name` they replace).
    pub fn expansion(file: &'a str, text: &'a str) -> Lexer<'a> {
        Lexer::new(file, text, false)
    }

    fn peek(&self) -> Option<char> {
        self.text[self.at..].chars().next()
    }

    fn peek2(&self) -> Option<char> {
        let mut chars = self.text[self.at..].chars();
        chars.next();
        chars.next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += c.len_utf8();
        if c == '\n' {
            self.pos.line += 1;
            self.pos.column = 1;
        } else {
            self.pos.column += 1;
        }
        Some(c)
    }

    fn error(&self, pos: Pos, expected: &str, found: String) -> ConfigError {
        ConfigError::at(self.file, pos, expected, found)
    }

    /// Whether a newline (`\n` or `\r\n`) follows.
    fn at_newline(&self) -> bool {
        match self.peek() {
            Some('\n') => true,
            Some('\r') => self.peek2() == Some('\n'),
            _ => false,
        }
    }

    /// Skip blanks, comments and `\`-newline continuations.
    fn skip_blank(&mut self) -> Result<(), ConfigError> {
        loop {
            match self.peek() {
                Some(' ' | '\t') => {
                    self.bump();
                }
                Some('#') => {
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.bump();
                    }
                }
                Some('\\') => {
                    let pos = self.pos;
                    self.bump();
                    if !self.at_newline() {
                        let found = match self.peek() {
                            Some(c) => format!("{c:?}"),
                            None => "the end of the file".into(),
                        };
                        return Err(self.error(
                            pos,
                            "a newline after `\\` (a line continuation; quote a string to use `\\` in it)",
                            found,
                        ));
                    }
                    if self.peek() == Some('\r') {
                        self.bump();
                    }
                    self.bump();
                }
                _ => return Ok(()),
            }
        }
    }

    /// The next token; [`Kind::Eof`] at the end, and again if asked again.
    pub fn next_token(&mut self) -> Result<Token, ConfigError> {
        self.skip_blank()?;
        let pos = self.pos;
        let token = |kind| Ok(Token { kind, pos });
        let Some(c) = self.peek() else {
            return token(Kind::Eof);
        };
        match c {
            '\n' | ';' => {
                self.bump();
                token(Kind::End {
                    semicolon: c == ';',
                })
            }
            '\r' if self.peek2() == Some('\n') => {
                self.bump();
                self.bump();
                token(Kind::End { semicolon: false })
            }
            '{' | '}' | ',' | '=' => {
                self.bump();
                token(match c {
                    '{' => Kind::Open,
                    '}' => Kind::Close,
                    ',' => Kind::Comma,
                    _ => Kind::Equals,
                })
            }
            '"' | '\'' => {
                let text = self.quoted(c, pos)?;
                token(Kind::Word { text, quoted: true })
            }
            '$' => {
                if !self.macros {
                    return Err(self.error(
                        pos,
                        "no `$` at the start of a word in a macro's value (macros do not nest)",
                        "`$`".into(),
                    ));
                }
                self.bump();
                let start = self.at;
                while self
                    .peek()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                {
                    self.bump();
                }
                let name = self.text[start..self.at].to_string();
                if name.is_empty() {
                    return Err(self.error(
                        pos,
                        "a macro name (letters, digits, `_`) after `$`",
                        self.found_here(),
                    ));
                }
                let start = self.at;
                while self.peek().is_some_and(|c| is_bare(c) || c == '$') {
                    self.bump();
                }
                if self.at - start + name.len() > MAX_STRING {
                    return Err(self.too_long(pos));
                }
                let suffix = self.text[start..self.at].to_string();
                token(Kind::Macro { name, suffix })
            }
            c if is_bare(c) => {
                let start = self.at;
                while self.peek().is_some_and(|c| is_bare(c) || c == '$') {
                    self.bump();
                }
                let text = &self.text[start..self.at];
                if text.len() > MAX_STRING {
                    return Err(self.too_long(pos));
                }
                token(Kind::Word {
                    text: text.to_string(),
                    quoted: false,
                })
            }
            _ => Err(self.error(
                pos,
                "a word, a quoted string, `{`, `}`, `,`, `=`, `;` or a newline \
                 (other characters must be quoted)",
                self.found_here(),
            )),
        }
    }

    /// The character at the current position, in words.
    fn found_here(&self) -> String {
        match self.peek() {
            None => "the end of the file".into(),
            Some('\n') => "the end of the line".into(),
            Some(c) if c.is_control() => format!("the control character {:?}", c),
            Some(c) => format!("{c:?}"),
        }
    }

    fn too_long(&self, pos: Pos) -> ConfigError {
        self.error(
            pos,
            &format!("a string of at most {MAX_STRING} bytes"),
            "a longer one".into(),
        )
    }

    /// A string in `quote`s starting at `pos`: `\` before the quote or `\`
    /// stands for that character, `\`-newline for nothing; any other `\` is
    /// kept. It must end on its line (or a continued one); control
    /// characters are refused.
    fn quoted(&mut self, quote: char, pos: Pos) -> Result<String, ConfigError> {
        self.bump();
        let mut text = String::new();
        loop {
            let here = self.pos;
            match self.peek() {
                None => {
                    return Err(self.error(
                        pos,
                        &format!("a closing {quote} for this string on its line"),
                        "the end of the file".into(),
                    ))
                }
                Some('\n') => {
                    return Err(self.error(
                        pos,
                        &format!("a closing {quote} for this string on its line"),
                        "the end of the line".into(),
                    ))
                }
                Some(c) if c == quote => {
                    self.bump();
                    return Ok(text);
                }
                Some('\\') => {
                    self.bump();
                    if self.at_newline() {
                        if self.peek() == Some('\r') {
                            self.bump();
                        }
                        self.bump();
                        continue;
                    }
                    match self.peek() {
                        Some(c) if c == quote || c == '\\' => {
                            self.bump();
                            text.push(c);
                        }
                        _ => text.push('\\'),
                    }
                }
                Some(c) if c.is_control() => {
                    return Err(self.error(
                        here,
                        "no control character in a string",
                        self.found_here(),
                    ))
                }
                Some(c) => {
                    self.bump();
                    text.push(c);
                }
            }
            if text.len() > MAX_STRING {
                return Err(self.too_long(pos));
            }
        }
    }
}
