//! acme-client.conf(5)'s grammar over [`Lexer`] tokens, into a [`Config`].
//! Statements end at a newline or `;`; keywords are bare words recognised
//! where a statement or its next word is expected (a quoted string is never
//! a keyword). Values are checked where they are read, so an error points at
//! the value; what needs the whole file (`sign with`, files used twice) is
//! checked at the end, pointing at the statement.

use crate::csr::{KeyUsages, Subject, TlsFeatures};
use crate::error::{ConfigError, Pos};
use crate::key_type::KeyType;
use crate::lexer::{excerpt, is_macro_name, Kind, Lexer, Token};
use crate::limits::{MAX_EXPANSION, MAX_FILE, MAX_FILES, MAX_INCLUDE_DEPTH, MAX_STRING};
use crate::validate;
use crate::{Authority, Config, Domain, DEFAULT_CHALLENGEDIR, MAX_MIN_DAYS};
use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;

/// Where `include` reads files from.
pub trait Sources {
    /// The text of the file at `path` (absolute), at most
    /// [`MAX_FILE`] bytes; or why not, in words.
    fn read(&mut self, path: &str) -> Result<String, String>;
}

/// [`Sources`] with no files: `include` is an error ([`parse`]).
pub struct NoSources;

impl Sources for NoSources {
    fn read(&mut self, _path: &str) -> Result<String, String> {
        Err("config::parse reads no files (config::load does)".into())
    }
}

/// Parse the configuration `text`, named `name` in errors, reading no file:
/// an `include` is an error. Pure, for tests and fuzzing.
pub fn parse(name: &str, text: &str) -> Result<Config, ConfigError> {
    parse_with(name, text, &mut NoSources)
}

/// Parse the configuration `text`, named `name` in errors, reading
/// `include`d files through `sources`.
pub fn parse_with(
    name: &str,
    text: &str,
    sources: &mut dyn Sources,
) -> Result<Config, ConfigError> {
    if text.len() > MAX_FILE {
        return Err(ConfigError::whole(
            name,
            format!("a file of at most {MAX_FILE} bytes"),
            format!("{} bytes", text.len()),
        ));
    }
    let mut parser = Parser {
        sources,
        macros: HashMap::new(),
        expanded: 0,
        files: 1,
        stack: vec![name.to_string()],
        authorities: Vec::new(),
        domains: Vec::new(),
    };
    let mut stream = Stream::new(name, text);
    parser.file(&mut stream)?;
    parser.finish()
}

/// Where something was read: file and position.
#[derive(Clone, Debug)]
struct Loc {
    file: String,
    pos: Pos,
}

impl Loc {
    fn error(&self, expected: impl Into<String>, found: impl Into<String>) -> ConfigError {
        ConfigError::at(&self.file, self.pos, expected, found)
    }

    /// "line:column", with the file when it is not `file`.
    fn cite(&self, file: &str) -> String {
        if self.file == file {
            self.pos.to_string()
        } else {
            format!("{}:{}", self.file.escape_debug(), self.pos)
        }
    }
}

/// A value and where it was read.
#[derive(Clone, Debug)]
struct At<T> {
    value: T,
    loc: Loc,
}

/// An authority block as read, with positions.
struct RawAuthority {
    name: At<String>,
    api_url: Option<At<String>>,
    account_key: Option<(At<PathBuf>, KeyType)>,
    contact: Option<At<String>>,
    ca_file: Option<At<PathBuf>>,
}

/// A domain block as read, with positions.
#[derive(Default)]
struct RawDomain {
    handle: Option<At<String>>,
    name: Option<At<String>>,
    altnames: Vec<At<String>>,
    key: Option<(At<PathBuf>, KeyType)>,
    certificate: Option<At<PathBuf>>,
    chain: Option<At<PathBuf>>,
    full_chain: Option<At<PathBuf>>,
    sign_with: Option<At<String>>,
    challengedir: Option<At<PathBuf>>,
    min_days: Option<At<u32>>,
    notify: Option<At<String>>,
    chmod: Option<At<u32>>,
    chown: Option<At<String>>,
    subject: Option<At<Subject>>,
    key_usage: Option<At<KeyUsages>>,
    tls_features: Option<At<TlsFeatures>>,
    verify_with: Option<At<PathBuf>>,
    profile: Option<At<String>>,
    preferred_chain: Option<At<String>>,
}

/// One file's tokens, with the expansion of a `$macro` waiting in front.
struct Stream<'a> {
    file: &'a str,
    lexer: Lexer<'a>,
    pending: VecDeque<Token>,
    peeked: Option<Token>,
}

impl<'a> Stream<'a> {
    fn new(file: &'a str, text: &'a str) -> Stream<'a> {
        Stream {
            file,
            lexer: Lexer::new(file, text, true),
            pending: VecDeque::new(),
            peeked: None,
        }
    }

    fn loc(&self, pos: Pos) -> Loc {
        Loc {
            file: self.file.to_string(),
            pos,
        }
    }

    fn error(&self, token: &Token, expected: impl Into<String>) -> ConfigError {
        ConfigError::at(self.file, token.pos, expected, token.kind.describe())
    }
}

struct Parser<'s> {
    sources: &'s mut dyn Sources,
    macros: HashMap<String, String>,
    expanded: usize,
    files: usize,
    stack: Vec<String>,
    authorities: Vec<RawAuthority>,
    domains: Vec<RawDomain>,
}

/// The key types a key statement takes: OpenBSD's two, then acmebox's
/// `--key-type` names.
fn key_type(word: &str) -> Option<KeyType> {
    match word {
        "rsa" => Some(KeyType::Rsa4096),
        "ecdsa" => Some(KeyType::P384),
        _ => KeyType::ALL.into_iter().find(|k| k.name() == word),
    }
}

const KEY_TYPES: &str = "rsa, ecdsa, p256, p384, rsa2048, rsa3072 or rsa4096";

fn is_end(kind: &Kind) -> bool {
    matches!(kind, Kind::End { .. } | Kind::Eof)
}

fn is_keyword(token: &Token, keyword: &str) -> bool {
    matches!(&token.kind, Kind::Word { text, quoted: false } if text == keyword)
}

impl Parser<'_> {
    /// The next token, a `$macro` replaced by its value's tokens.
    fn next(&mut self, s: &mut Stream) -> Result<Token, ConfigError> {
        if let Some(token) = s.peeked.take() {
            return Ok(token);
        }
        // A loop, not recursion: a file of empty expansions must not
        // exhaust the stack.
        loop {
            if let Some(token) = s.pending.pop_front() {
                return Ok(token);
            }
            let token = s.lexer.next_token()?;
            let Kind::Macro { name, suffix } = &token.kind else {
                return Ok(token);
            };
            let Some(value) = self.macros.get(name) else {
                return Err(s.error(&token, "a macro defined above"));
            };
            self.expanded += value.len() + suffix.len();
            if self.expanded > MAX_EXPANSION {
                return Err(s.error(
                    &token,
                    format!("at most {MAX_EXPANSION} bytes of macro values expanded in all"),
                ));
            }
            let text = format!("{value}{suffix}");
            let mut lexer = Lexer::expansion(s.file, &text);
            loop {
                let mut expanded = lexer.next_token().map_err(|e| {
                    ConfigError::at(
                        s.file,
                        token.pos,
                        format!("{} in the value of ${name}", e.expected),
                        e.found,
                    )
                })?;
                if expanded.kind == Kind::Eof {
                    break;
                }
                expanded.pos = token.pos;
                s.pending.push_back(expanded);
            }
        }
    }

    fn peek<'t>(&mut self, s: &'t mut Stream) -> Result<&'t Token, ConfigError> {
        if s.peeked.is_none() {
            let token = self.next(s)?;
            s.peeked = Some(token);
        }
        Ok(s.peeked.as_ref().expect("just set"))
    }

    /// Top-level statements until the end of the file.
    fn file(&mut self, s: &mut Stream) -> Result<(), ConfigError> {
        loop {
            let token = self.next(s)?;
            match &token.kind {
                Kind::Eof => return Ok(()),
                Kind::End { .. } => continue,
                Kind::Word {
                    text,
                    quoted: false,
                } => {
                    if self.peek(s)?.kind == Kind::Equals {
                        self.macro_definition(s, &token, text)?;
                        continue;
                    }
                    match text.as_str() {
                        "include" => self.include(s)?,
                        "authority" => self.authority(s)?,
                        "domain" => self.domain(s)?,
                        _ => return Err(s.error(&token, TOP_LEVEL)),
                    }
                }
                _ => return Err(s.error(&token, TOP_LEVEL)),
            }
            self.end_of_statement(s, false)?;
        }
    }

    /// The end of a statement: a newline, `;` or the end of the file, or in
    /// a block also its `}` (left to be read).
    fn end_of_statement(&mut self, s: &mut Stream, in_block: bool) -> Result<(), ConfigError> {
        let token = self.peek(s)?;
        match token.kind {
            Kind::End { .. } => {
                self.next(s)?;
                Ok(())
            }
            Kind::Eof => Ok(()),
            Kind::Close if in_block => Ok(()),
            _ => {
                let token = token.clone();
                Err(s.error(
                    &token,
                    if in_block {
                        "the end of the statement (a newline, `;` or `}`)"
                    } else {
                        "the end of the statement (a newline or `;`)"
                    },
                ))
            }
        }
    }

    /// `NAME = value...`: the value's strings joined by one space.
    fn macro_definition(
        &mut self,
        s: &mut Stream,
        name_token: &Token,
        name: &str,
    ) -> Result<(), ConfigError> {
        if !is_macro_name(name) {
            return Err(s.error(
                name_token,
                "a macro name of letters, digits and `_` before `=`",
            ));
        }
        self.next(s)?; // `=`
        let mut value = String::new();
        let mut any = false;
        loop {
            let token = self.peek(s)?.clone();
            match &token.kind {
                Kind::Word { text, .. } => {
                    self.next(s)?;
                    if any {
                        value.push(' ');
                    }
                    value.push_str(text);
                    any = true;
                    if value.len() > MAX_STRING {
                        return Err(s.error(
                            &token,
                            format!("a macro value of at most {MAX_STRING} bytes"),
                        ));
                    }
                }
                kind if is_end(kind) && any => break,
                _ => return Err(s.error(&token, format!("a string (the value of macro {name:?})"))),
            }
        }
        self.macros.insert(name.to_string(), value);
        Ok(())
    }

    /// A string: a quoted one, or a bare word (keywords included).
    fn string(&mut self, s: &mut Stream, what: &str) -> Result<At<String>, ConfigError> {
        let token = self.next(s)?;
        match token.kind {
            Kind::Word { text, .. } => Ok(At {
                value: text,
                loc: s.loc(token.pos),
            }),
            _ => Err(s.error(&token, what)),
        }
    }

    /// The bare word `keyword`, else an error expecting `what`.
    fn keyword(&mut self, s: &mut Stream, keyword: &str, what: &str) -> Result<(), ConfigError> {
        let token = self.next(s)?;
        if is_keyword(&token, keyword) {
            Ok(())
        } else {
            Err(s.error(&token, what))
        }
    }

    /// An absolute path: a string starting with `/`; with `file`, not
    /// ending in `/`.
    fn path(&mut self, s: &mut Stream, what: &str, file: bool) -> Result<At<PathBuf>, ConfigError> {
        let at = self.string(s, &format!("a path (the {what})"))?;
        let text = &at.value;
        if !text.starts_with('/') {
            return Err(at.loc.error(
                format!("an absolute path (the {what})"),
                format!("{:?}", excerpt(text)),
            ));
        }
        if file && text.ends_with('/') {
            return Err(at.loc.error(
                format!("a file's path (the {what}), not a directory's"),
                format!("{:?}", excerpt(text)),
            ));
        }
        Ok(At {
            value: PathBuf::from(&at.value),
            loc: at.loc,
        })
    }

    /// An optional key type after a key file.
    fn key_type(&mut self, s: &mut Stream) -> Result<KeyType, ConfigError> {
        let token = self.peek(s)?.clone();
        match &token.kind {
            Kind::Word {
                text,
                quoted: false,
            } => match key_type(text) {
                Some(kind) => {
                    self.next(s)?;
                    Ok(kind)
                }
                None => Err(s.error(
                    &token,
                    format!("a key type ({KEY_TYPES}) or the end of the statement"),
                )),
            },
            _ => Ok(KeyType::default()),
        }
    }

    /// `include "FILE"`: FILE's statements, read through the sources.
    fn include(&mut self, s: &mut Stream) -> Result<(), ConfigError> {
        let path = self.path(s, "file to include", true)?;
        let name = path.value.display().to_string();
        if self.stack.len() > MAX_INCLUDE_DEPTH {
            return Err(path.loc.error(
                format!("includes nested at most {MAX_INCLUDE_DEPTH} deep"),
                format!("{name:?} one deeper"),
            ));
        }
        if self.stack.contains(&name) {
            return Err(path.loc.error(
                "a file that is not already being read",
                format!("{name:?}, which includes itself"),
            ));
        }
        if self.files >= MAX_FILES {
            return Err(path.loc.error(
                format!("at most {MAX_FILES} files in all"),
                format!("{name:?} one more"),
            ));
        }
        self.files += 1;
        let text = self.sources.read(&name).map_err(|why| {
            path.loc.error(
                "a file to include",
                format!("{name:?}, which cannot be read: {why}"),
            )
        })?;
        if text.len() > MAX_FILE {
            return Err(path.loc.error(
                format!("a file of at most {MAX_FILE} bytes"),
                format!("{name:?} of {} bytes", text.len()),
            ));
        }
        self.stack.push(name.clone());
        let mut inner = Stream::new(&name, &text);
        let result = self.file(&mut inner);
        self.stack.pop();
        result
    }

    /// A block's `{`, then its statements until `}`, each handed to
    /// `statement` with its first (bare) word.
    fn block(
        &mut self,
        s: &mut Stream,
        what: &str,
        statements: &str,
        mut statement: impl FnMut(&mut Self, &mut Stream, &Token, &str) -> Result<bool, ConfigError>,
    ) -> Result<Pos, ConfigError> {
        let open = self.next(s)?;
        if open.kind != Kind::Open {
            return Err(s.error(&open, format!("`{{` opening the {what}")));
        }
        loop {
            let token = self.next(s)?;
            match &token.kind {
                Kind::End { .. } => continue,
                Kind::Close => return Ok(token.pos),
                Kind::Eof => {
                    return Err(s.error(
                        &token,
                        format!("`}}` closing the {what} opened at {}", open.pos),
                    ))
                }
                Kind::Word {
                    text,
                    quoted: false,
                } => {
                    let text = text.clone();
                    if !statement(self, s, &token, &text)? {
                        return Err(s.error(&token, statements));
                    }
                    self.end_of_statement(s, true)?;
                }
                _ => return Err(s.error(&token, statements)),
            }
        }
    }
}

const TOP_LEVEL: &str =
    "a statement: `authority`, `domain`, `include` or a macro definition `name = value`";

mod blocks;
mod finish;
