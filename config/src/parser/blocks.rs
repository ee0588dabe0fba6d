//! The blocks of acme-client.conf(5): `authority NAME { ... }` and
//! `domain NAME { ... }`, their statements, and the lists and numbers in
//! them.

use super::finish::{checked, checked_name, once};
use super::*;

const AUTHORITY_STATEMENTS: &str =
    "an authority statement (`api url`, `account key`, `contact`, `ca file`) or `}`";
const DOMAIN_STATEMENTS: &str = "a domain statement (`domain ...`, `alternative names`, \
     `sign with`, `challengedir`, `min-days`, `notify`, `chmod`, `chown`, `subject`, \
     `key usage`, `tls feature`, `verify with`, `profile`, `preferred chain`) or `}`";
const DOMAIN_WHAT: &str = "`name`, `key`, `certificate`, `chain certificate` or \
     `full chain certificate` after `domain`";

impl Parser<'_> {
    /// `authority NAME { ... }`.
    pub(super) fn authority(&mut self, s: &mut Stream) -> Result<(), ConfigError> {
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
    pub(super) fn domain(&mut self, s: &mut Stream) -> Result<(), ConfigError> {
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
                "profile" => {
                    once(&raw.profile, &loc, "profile", s.file)?;
                    let name = p.string(s, "a profile name after `profile`")?;
                    validate::profile(&name.value).map_err(|e| {
                        name.loc.error(
                            format!("a profile name after `profile`: {e}"),
                            format!("{:?}", excerpt(&name.value)),
                        )
                    })?;
                    raw.profile = Some(name);
                }
                "preferred" => {
                    once(&raw.preferred_chain, &loc, "preferred chain", s.file)?;
                    p.keyword(s, "chain", "`chain` after `preferred`")?;
                    let name = p.string(s, "an issuer name after `preferred chain`")?;
                    validate::preferred_chain(&name.value).map_err(|e| {
                        name.loc.error(
                            format!("an issuer name after `preferred chain`: {e}"),
                            format!("{:?}", excerpt(&name.value)),
                        )
                    })?;
                    raw.preferred_chain = Some(name);
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
    pub(super) fn min_days(&mut self, s: &mut Stream) -> Result<At<u32>, ConfigError> {
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
    pub(super) fn list(&mut self, s: &mut Stream, what: &str) -> Result<At<String>, ConfigError> {
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
    pub(super) fn alternative_names(
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
}
