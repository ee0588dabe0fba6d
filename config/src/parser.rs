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

    /// `authority NAME { ... }`.
    fn authority(&mut self, s: &mut Stream) -> Result<(), ConfigError> {
        let name = self.string(s, "the authority's name after `authority`")?;
        if let Some(first) = self.authorities.iter().find(|a| a.name.value == name.value) {
            return Err(name.loc.error(
                format!(
                    "a new authority name (authority {:?} is defined at {})",
                    name.value,
                    first.name.loc.cite(s.file)
                ),
                "it again".to_string(),
            ));
        }
        let mut raw = RawAuthority {
            name,
            api_url: None,
            account_key: None,
            contact: None,
            ca_file: None,
        };
        let close = self.block(
            s,
            "authority block",
            AUTHORITY_STATEMENTS,
            |p, s, token, word| {
                let loc = s.loc(token.pos);
                match word {
                    "api" => {
                        once(&raw.api_url, &loc, "api url", s.file)?;
                        p.keyword(s, "url", "`url` after `api`")?;
                        let url = p.string(s, "the directory URL after `api url`")?;
                        validate::https_origin(&url.value).map_err(|e| {
                            url.loc.error(
                                "an https URL (the ACME directory)",
                                format!("{:?}: {e}", excerpt(&url.value)),
                            )
                        })?;
                        raw.api_url = Some(url);
                    }
                    "account" => {
                        once(&raw.account_key, &loc, "account key", s.file)?;
                        p.keyword(s, "key", "`key` after `account`")?;
                        let path = p.path(s, "account key file", true)?;
                        raw.account_key = Some((path, p.key_type(s)?));
                    }
                    "contact" => {
                        once(&raw.contact, &loc, "contact", s.file)?;
                        let contact = p.string(s, "a URL after `contact`")?;
                        if validate::contact(&contact.value).is_err() {
                            return Err(contact.loc.error(
                                "a contact URL (mailto:...)",
                                format!("{:?}", excerpt(&contact.value)),
                            ));
                        }
                        raw.contact = Some(contact);
                    }
                    "ca" => {
                        once(&raw.ca_file, &loc, "ca file", s.file)?;
                        p.keyword(s, "file", "`file` after `ca`")?;
                        raw.ca_file = Some(p.path(s, "CA file", true)?);
                    }
                    _ => return Ok(false),
                }
                Ok(true)
            },
        )?;
        let missing = |what: &str| {
            raw.name.loc.error(
                format!("`{what}` in authority {:?}", raw.name.value),
                format!("its `}}` at {close} without it"),
            )
        };
        if raw.api_url.is_none() {
            return Err(missing("api url"));
        }
        if raw.account_key.is_none() {
            return Err(missing("account key"));
        }
        self.authorities.push(raw);
        Ok(())
    }

    /// `domain HANDLE { ... }`.
    fn domain(&mut self, s: &mut Stream) -> Result<(), ConfigError> {
        let handle = self.string(s, "the domain's handle after `domain`")?;
        if let Some(first) = self
            .domains
            .iter()
            .filter_map(|d| d.handle.as_ref())
            .find(|h| h.value == handle.value)
        {
            return Err(handle.loc.error(
                format!(
                    "a new domain handle (domain {:?} is defined at {})",
                    handle.value,
                    first.loc.cite(s.file)
                ),
                "it again".to_string(),
            ));
        }
        let mut raw = RawDomain::default();
        let close = self.block(s, "domain block", DOMAIN_STATEMENTS, |p, s, token, word| {
            let loc = s.loc(token.pos);
            match word {
                "domain" => {
                    let what = p.next(s)?;
                    let Kind::Word {
                        text,
                        quoted: false,
                    } = &what.kind
                    else {
                        return Err(s.error(&what, DOMAIN_WHAT));
                    };
                    match text.as_str() {
                        "name" => {
                            once(&raw.name, &loc, "domain name", s.file)?;
                            let name = p.string(s, "a name after `domain name`")?;
                            raw.name = Some(checked_name(name)?);
                        }
                        "key" => {
                            once(&raw.key, &loc, "domain key", s.file)?;
                            let path = p.path(s, "domain key file", true)?;
                            raw.key = Some((path, p.key_type(s)?));
                        }
                        "certificate" => {
                            once(&raw.certificate, &loc, "domain certificate", s.file)?;
                            raw.certificate = Some(p.path(s, "certificate file", true)?);
                        }
                        "chain" => {
                            once(&raw.chain, &loc, "domain chain certificate", s.file)?;
                            p.keyword(s, "certificate", "`certificate` after `domain chain`")?;
                            raw.chain = Some(p.path(s, "chain certificate file", true)?);
                        }
                        "full" => {
                            once(
                                &raw.full_chain,
                                &loc,
                                "domain full chain certificate",
                                s.file,
                            )?;
                            p.keyword(s, "chain", "`chain` after `domain full`")?;
                            p.keyword(s, "certificate", "`certificate` after `domain full chain`")?;
                            raw.full_chain =
                                Some(p.path(s, "full chain certificate file", true)?);
                        }
                        _ => return Err(s.error(&what, DOMAIN_WHAT)),
                    }
                }
                "alternative" => {
                    p.keyword(s, "names", "`names` after `alternative`")?;
                    p.alternative_names(s, &mut raw.altnames)?;
                }
                "sign" => {
                    once(&raw.sign_with, &loc, "sign with", s.file)?;
                    p.keyword(s, "with", "`with` after `sign`")?;
                    raw.sign_with = Some(p.string(s, "an authority's name after `sign with`")?);
                }
                "challengedir" => {
                    once(&raw.challengedir, &loc, "challengedir", s.file)?;
                    raw.challengedir = Some(p.path(s, "challenge directory", false)?);
                }
                "min-days" => {
                    once(&raw.min_days, &loc, "min-days", s.file)?;
                    raw.min_days = Some(p.min_days(s)?);
                }
                "chmod" => {
                    once(&raw.chmod, &loc, "chmod", s.file)?;
                    let word = p.string(s, "a mode after `chmod`")?;
                    let mode = validate::cert_mode(&word.value).map_err(|e| {
                        word.loc.error(
                            format!("a mode after `chmod`: {e}"),
                            format!("{:?}", excerpt(&word.value)),
                        )
                    })?;
                    raw.chmod = Some(At {
                        value: mode,
                        loc: word.loc,
                    });
                }
                "chown" => {
                    once(&raw.chown, &loc, "chown", s.file)?;
                    let word = p.string(s, "USER[:GROUP] after `chown`")?;
                    validate::owner_spec(&word.value).map_err(|e| {
                        word.loc.error(
                            format!("USER[:GROUP] after `chown`: {e}"),
                            format!("{:?}", excerpt(&word.value)),
                        )
                    })?;
                    raw.chown = Some(word);
                }
                "notify" => {
                    once(&raw.notify, &loc, "notify", s.file)?;
                    let cmd = p.string(s, "a command after `notify`")?;
                    if cmd.value.trim().is_empty() {
                        return Err(cmd.loc.error("a command after `notify`", "an empty string"));
                    }
                    raw.notify = Some(cmd);
                }
                "subject" => {
                    once(&raw.subject, &loc, "subject", s.file)?;
                    let word = p.string(s, "a subject after `subject`")?;
                    raw.subject = Some(checked(word, "a subject /TYPE=VALUE/... after `subject`")?);
                }
                "key" => {
                    once(&raw.key_usage, &loc, "key usage", s.file)?;
                    p.keyword(s, "usage", "`usage` after `key`")?;
                    let list = p.list(s, "key usages after `key usage`")?;
                    raw.key_usage = Some(checked(list, "key usages after `key usage`")?);
                }
                "tls" => {
                    once(&raw.tls_features, &loc, "tls feature", s.file)?;
                    p.keyword(s, "feature", "`feature` after `tls`")?;
                    let list = p.list(s, "TLS features after `tls feature`")?;
                    raw.tls_features = Some(checked(list, "TLS features after `tls feature`")?);
                }
                "verify" => {
                    once(&raw.verify_with, &loc, "verify with", s.file)?;
                    p.keyword(s, "with", "`with` after `verify`")?;
                    raw.verify_with = Some(p.path(s, "trust anchors' file", true)?);
                }
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        let missing = |what: &str| {
            handle.loc.error(
                format!("{what} in domain {:?}", handle.value),
                format!("its `}}` at {close} without it"),
            )
        };
        if raw.key.is_none() {
            return Err(missing("`domain key`"));
        }
        if raw.certificate.is_none() && raw.full_chain.is_none() {
            return Err(missing(
                "`domain certificate` or `domain full chain certificate`",
            ));
        }
        if raw.name.is_none() {
            raw.name = Some(checked_name(handle.clone()).map_err(|e| ConfigError {
                expected: format!(
                    "{} (without `domain name`, the handle is the domain name)",
                    e.expected
                ),
                ..e
            })?);
        }
        raw.handle = Some(handle);
        self.domains.push(raw);
        Ok(())
    }

    /// `min-days N`'s N: decimal digits, 1 to [`MAX_MIN_DAYS`].
    fn min_days(&mut self, s: &mut Stream) -> Result<At<u32>, ConfigError> {
        let word = self.string(s, "a number of days after `min-days`")?;
        let expected = format!("a number of days from 1 to {MAX_MIN_DAYS} after `min-days`");
        match word.value.parse::<u32>() {
            Ok(n)
                if word.value.bytes().all(|b| b.is_ascii_digit())
                    && (1..=MAX_MIN_DAYS).contains(&n) =>
            {
                Ok(At {
                    value: n,
                    loc: word.loc,
                })
            }
            _ => Err(word
                .loc
                .error(expected, format!("{:?}", excerpt(&word.value)))),
        }
    }

    /// `WORD [,] WORD ...` to the end of the statement: the words joined by
    /// `,` (a quoted word may hold commas itself), where the first is.
    fn list(&mut self, s: &mut Stream, what: &str) -> Result<At<String>, ConfigError> {
        let first = self.string(s, what)?;
        let mut items = vec![first.value];
        let mut after_comma = false;
        loop {
            let token = self.peek(s)?.clone();
            match &token.kind {
                Kind::Word { text, .. } => {
                    items.push(text.clone());
                    after_comma = false;
                }
                Kind::Comma if !after_comma => after_comma = true,
                kind if !after_comma && (is_end(kind) || *kind == Kind::Close) => break,
                _ => return Err(s.error(&token, what)),
            }
            self.next(s)?;
        }
        Ok(At {
            value: items.join(","),
            loc: first.loc,
        })
    }

    /// `{ name [,] name ... }`: names separated by spaces, commas or
    /// newlines; at least one.
    fn alternative_names(
        &mut self,
        s: &mut Stream,
        names: &mut Vec<At<String>>,
    ) -> Result<(), ConfigError> {
        let open = self.next(s)?;
        if open.kind != Kind::Open {
            return Err(s.error(&open, "`{` after `alternative names`"));
        }
        // After a name: a comma is allowed; after a comma: a name is needed.
        let mut after_name = false;
        let mut after_comma = false;
        loop {
            let token = self.next(s)?;
            match token.kind {
                Kind::Word { text, .. } => {
                    names.push(checked_name(At {
                        value: text,
                        loc: s.loc(token.pos),
                    })?);
                    after_name = true;
                    after_comma = false;
                }
                Kind::Comma if after_name => {
                    after_name = false;
                    after_comma = true;
                }
                Kind::End { semicolon: false } => {}
                Kind::Close if after_name => return Ok(()),
                _ => {
                    return Err(s.error(
                        &token,
                        if after_comma || !after_name {
                            "a name in `alternative names { ... }`"
                        } else {
                            "a name, `,` or `}` in `alternative names { ... }`"
                        },
                    ))
                }
            }
        }
    }

    /// The configuration: `sign with` resolved, the first authority for a
    /// domain without one, no file used for two things.
    fn finish(self) -> Result<Config, ConfigError> {
        let authorities: Vec<Authority> = self
            .authorities
            .iter()
            .map(|a| Authority {
                name: a.name.value.clone(),
                api_url: a.api_url.as_ref().expect("checked").value.clone(),
                account_key: a.account_key.as_ref().expect("checked").0.value.clone(),
                account_key_type: a.account_key.as_ref().expect("checked").1,
                contact: a.contact.as_ref().map(|c| c.value.clone()),
                ca_file: a.ca_file.as_ref().map(|c| c.value.clone()),
            })
            .collect();
        check_files(&self.authorities, &self.domains)?;
        let mut domains = Vec::new();
        for raw in self.domains {
            let handle = raw.handle.expect("set");
            let authority = match &raw.sign_with {
                Some(with) => authorities
                    .iter()
                    .find(|a| a.name == with.value)
                    .ok_or_else(|| {
                        let known: Vec<String> = authorities
                            .iter()
                            .map(|a| format!("{:?}", a.name))
                            .collect();
                        with.loc.error(
                            format!(
                                "the name of an authority in the file ({})",
                                if known.is_empty() {
                                    "it has none".to_string()
                                } else {
                                    known.join(", ")
                                }
                            ),
                            format!("unknown authority {:?}", excerpt(&with.value)),
                        )
                    })?,
                None => authorities.first().ok_or_else(|| {
                    handle.loc.error(
                        "an authority block in the file (for a domain without `sign with`)",
                        "none",
                    )
                })?,
            };
            let mut names = vec![raw.name.expect("set")];
            for alt in raw.altnames {
                if let Some(first) = names.iter().find(|n| n.value == alt.value) {
                    return Err(alt.loc.error(
                        format!(
                            "each name once in domain {:?} (it is at {})",
                            handle.value,
                            first.loc.cite(&alt.loc.file)
                        ),
                        format!("{:?} again", alt.value),
                    ));
                }
                names.push(alt);
            }
            if let Some(subject) = &raw.subject {
                let values: Vec<String> = names.iter().map(|n| n.value.clone()).collect();
                subject.value.check_names(&values).map_err(|e| {
                    subject.loc.error(
                        format!(
                            "a subject whose CN is one of domain {:?}'s names",
                            handle.value
                        ),
                        e.to_string(),
                    )
                })?;
            }
            let (key, key_type) = raw.key.expect("checked");
            domains.push(Domain {
                handle: handle.value,
                names: names.into_iter().map(|n| n.value).collect(),
                domain_key: key.value,
                domain_key_type: key_type,
                certificate: raw.certificate.map(|p| p.value),
                chain_certificate: raw.chain.map(|p| p.value),
                full_chain_certificate: raw.full_chain.map(|p| p.value),
                authority: authority.clone(),
                challengedir: raw
                    .challengedir
                    .map(|p| p.value)
                    .unwrap_or_else(|| PathBuf::from(DEFAULT_CHALLENGEDIR)),
                min_days: raw.min_days.map(|n| n.value),
                notify: raw.notify.map(|c| c.value),
                chmod: raw.chmod.map(|m| m.value),
                chown: raw.chown.map(|o| o.value),
                subject: raw.subject.map(|s| s.value),
                key_usage: raw.key_usage.map(|u| u.value),
                tls_features: raw.tls_features.map(|t| t.value),
                verify_with: raw.verify_with.map(|p| p.value),
            });
        }
        Ok(Config {
            authorities,
            domains,
        })
    }
}

const TOP_LEVEL: &str =
    "a statement: `authority`, `domain`, `include` or a macro definition `name = value`";
const AUTHORITY_STATEMENTS: &str =
    "an authority statement (`api url`, `account key`, `contact`, `ca file`) or `}`";
const DOMAIN_STATEMENTS: &str = "a domain statement (`domain ...`, `alternative names`, \
     `sign with`, `challengedir`, `min-days`, `notify`, `chmod`, `chown`, `subject`, \
     `key usage`, `tls feature`, `verify with`) or `}`";
const DOMAIN_WHAT: &str = "`name`, `key`, `certificate`, `chain certificate` or \
     `full chain certificate` after `domain`";

/// Something read at a place.
trait Located {
    fn loc(&self) -> &Loc;
}

impl<T> Located for At<T> {
    fn loc(&self) -> &Loc {
        &self.loc
    }
}

impl<T> Located for (At<T>, KeyType) {
    fn loc(&self) -> &Loc {
        &self.0.loc
    }
}

/// Refuse a second `what` statement in a block (the first at `first`).
fn once(
    first: &Option<impl Located>,
    here: &Loc,
    what: &str,
    file: &str,
) -> Result<(), ConfigError> {
    match first {
        Some(first) => Err(here.error(
            format!(
                "one `{what}` per block (the first is at {})",
                first.loc().cite(file)
            ),
            "a second one",
        )),
        None => Ok(()),
    }
}

/// `word` read as a `T` (a subject, key usages, TLS features), or an error
/// at it expecting `what` and saying what is wrong.
fn checked<T>(word: At<String>, what: &str) -> Result<At<T>, ConfigError>
where
    T: std::str::FromStr<Err = crate::csr::CsrError>,
{
    match word.value.parse::<T>() {
        Ok(value) => Ok(At {
            value,
            loc: word.loc,
        }),
        Err(e) => Err(word
            .loc
            .error(what, format!("{:?}: {e}", excerpt(&word.value)))),
    }
}

/// A certificate name, lower-cased: a DNS name, or a wildcard `*.` and one.
fn checked_name(name: At<String>) -> Result<At<String>, ConfigError> {
    let checked = if name.value.starts_with("*.") {
        validate::wildcard_name(&name.value)
    } else {
        validate::dns_name(&name.value)
    };
    match checked {
        Ok(value) => Ok(At {
            value,
            loc: name.loc,
        }),
        Err(why) => Err(name.loc.error("a domain name", why)),
    }
}

/// Refuse a file used for two things: each domain key and certificate file
/// is used once in the whole configuration, and never as an account key
/// (several authorities may share an account key).
fn check_files(authorities: &[RawAuthority], domains: &[RawDomain]) -> Result<(), ConfigError> {
    let mut seen: Vec<(&PathBuf, &'static str, &Loc)> = Vec::new();
    for a in authorities {
        let (key, _) = a.account_key.as_ref().expect("checked");
        seen.push((&key.value, "account key", &key.loc));
    }
    for d in domains {
        let files = [
            (d.key.as_ref().map(|(k, _)| k), "domain key"),
            (d.certificate.as_ref(), "domain certificate"),
            (d.chain.as_ref(), "domain chain certificate"),
            (d.full_chain.as_ref(), "domain full chain certificate"),
        ];
        for (file, role) in files {
            let Some(file) = file else { continue };
            if let Some((_, first_role, first)) = seen.iter().find(|(p, _, _)| **p == file.value) {
                return Err(file.loc.error(
                    format!(
                        "a file not used elsewhere ({:?} is the {first_role} at {})",
                        file.value,
                        first.cite(&file.loc.file)
                    ),
                    format!("it again, as {role}"),
                ));
            }
            seen.push((&file.value, role, &file.loc));
        }
    }
    Ok(())
}
