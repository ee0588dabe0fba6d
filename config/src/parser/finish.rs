//! The checks that need the whole file: `sign with` resolved, a domain
//! without one given the first authority, no file used for two things; and
//! the helpers that refuse a statement given twice or a value out of form.

use super::*;

impl Parser<'_> {
    /// The configuration: `sign with` resolved, the first authority for a
    /// domain without one, no file used for two things.
    pub(super) fn finish(self) -> Result<Config, ConfigError> {
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
                profile: raw.profile.map(|p| p.value),
                preferred_chain: raw.preferred_chain.map(|p| p.value),
            });
        }
        Ok(Config {
            authorities,
            domains,
        })
    }
}

/// Something read at a place.
pub(super) trait Located {
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
pub(super) fn once(
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
pub(super) fn checked<T>(word: At<String>, what: &str) -> Result<At<T>, ConfigError>
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

/// A certificate name, lower-cased: a DNS name, a wildcard `*.` and one,
/// or an IP address (RFC 8738) in canonical form.
pub(super) fn checked_name(name: At<String>) -> Result<At<String>, ConfigError> {
    let checked = if name.value.starts_with("*.") {
        validate::wildcard_name(&name.value)
    } else {
        validate::name(&name.value)
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
pub(super) fn check_files(
    authorities: &[RawAuthority],
    domains: &[RawDomain],
) -> Result<(), ConfigError> {
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
