//! `--subject` and a domain's `subject`: a distinguished name as lacme
//! writes it (`/CN=.../O=...`), its attribute types and their checks.

use super::CsrError;
use std::fmt;
use std::str::FromStr;

/// An attribute type of a request's subject: those lacme's and openssl's
/// users write (x509v3_config, RFC 5280 §4.1.2.4, PKCS #9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AttributeType {
    /// `CN`, commonName (2.5.4.3): must be one of the certificate's names.
    CommonName,
    /// `O`, organizationName (2.5.4.10).
    Organization,
    /// `OU`, organizationalUnitName (2.5.4.11).
    OrganizationalUnit,
    /// `C`, countryName (2.5.4.6): two letters.
    Country,
    /// `ST`, stateOrProvinceName (2.5.4.8).
    StateOrProvince,
    /// `L`, localityName (2.5.4.7).
    Locality,
    /// `emailAddress` (PKCS #9, 1.2.840.113549.1.9.1).
    EmailAddress,
    /// `serialNumber` (2.5.4.5): the subject's, not the certificate's.
    SerialNumber,
}

impl AttributeType {
    /// Every type, in the order their names are listed in errors.
    pub const ALL: [AttributeType; 8] = [
        AttributeType::CommonName,
        AttributeType::Organization,
        AttributeType::OrganizationalUnit,
        AttributeType::Country,
        AttributeType::StateOrProvince,
        AttributeType::Locality,
        AttributeType::EmailAddress,
        AttributeType::SerialNumber,
    ];

    /// The name written in a subject (openssl's short name).
    pub fn name(self) -> &'static str {
        match self {
            AttributeType::CommonName => "CN",
            AttributeType::Organization => "O",
            AttributeType::OrganizationalUnit => "OU",
            AttributeType::Country => "C",
            AttributeType::StateOrProvince => "ST",
            AttributeType::Locality => "L",
            AttributeType::EmailAddress => "emailAddress",
            AttributeType::SerialNumber => "serialNumber",
        }
    }

    /// The type's OID, dotted.
    pub fn oid(self) -> &'static str {
        match self {
            AttributeType::CommonName => "2.5.4.3",
            AttributeType::Organization => "2.5.4.10",
            AttributeType::OrganizationalUnit => "2.5.4.11",
            AttributeType::Country => "2.5.4.6",
            AttributeType::StateOrProvince => "2.5.4.8",
            AttributeType::Locality => "2.5.4.7",
            AttributeType::EmailAddress => "1.2.840.113549.1.9.1",
            AttributeType::SerialNumber => "2.5.4.5",
        }
    }

    /// The longest value, in characters: RFC 5280 appendix A's upper bounds
    /// (ub-common-name and so on; ub-emailaddress-length for emailAddress),
    /// 2 for a country.
    pub fn max_len(self) -> usize {
        match self {
            AttributeType::CommonName
            | AttributeType::Organization
            | AttributeType::OrganizationalUnit
            | AttributeType::SerialNumber => 64,
            AttributeType::Country => 2,
            AttributeType::StateOrProvince | AttributeType::Locality => 128,
            AttributeType::EmailAddress => 255,
        }
    }

    /// The type named `name` (case as written: `CN`, `emailAddress`).
    pub fn from_name(name: &str) -> Option<AttributeType> {
        AttributeType::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// One attribute of a subject: its type and value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribute {
    /// The type.
    pub kind: AttributeType,
    /// The value, escapes resolved.
    pub value: String,
}

/// A request's subject as `--subject "/CN=example.com/O=Example Org/C=DE"`
/// writes it: attributes in order, each type at most once, each its own RDN
/// (RFC 5280 §4.1.2.4). `\` escapes the next character (`\/` for a slash
/// in a value, `\+`, `\\`); `/` alone is the empty subject.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subject {
    attributes: Vec<Attribute>,
}

/// PrintableString's characters (X.680 §41.4): letters, digits, space and
/// `'()+,-./:=?`.
fn printable(c: char) -> bool {
    c.is_ascii_alphanumeric() || " '()+,-./:=?".contains(c)
}

impl Subject {
    /// The attributes, in order.
    pub fn attributes(&self) -> &[Attribute] {
        &self.attributes
    }

    /// The value of the CN, if there is one.
    pub fn common_name(&self) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| a.kind == AttributeType::CommonName)
            .map(|a| a.value.as_str())
    }

    /// Checks that the CN, if any, is one of `names` (without case).
    pub fn check_names(&self, names: &[String]) -> Result<(), CsrError> {
        match self.common_name() {
            Some(cn) if !names.iter().any(|n| n.eq_ignore_ascii_case(cn)) => {
                Err(CsrError::CommonNameNotAName {
                    cn: cn.to_string(),
                    names: names.to_vec(),
                })
            }
            _ => Ok(()),
        }
    }

    /// Checks one attribute's value.
    fn check(kind: AttributeType, value: &str) -> Result<(), CsrError> {
        if value.is_empty() {
            return Err(CsrError::EmptyValue(kind));
        }
        if value.chars().any(char::is_control) {
            return Err(CsrError::ControlCharacter(kind));
        }
        let len = value.chars().count();
        if kind == AttributeType::Country {
            if len != 2 || !value.chars().all(|c| c.is_ascii_alphabetic()) {
                return Err(CsrError::Country(value.to_string()));
            }
            return Ok(());
        }
        if len > kind.max_len() {
            return Err(CsrError::TooLong {
                kind,
                max: kind.max_len(),
                len,
            });
        }
        let allowed: fn(char) -> bool = match kind {
            AttributeType::SerialNumber => printable,
            AttributeType::EmailAddress => |c: char| c.is_ascii(),
            // A certificate name: letters, digits, '-', '.', and a
            // wildcard's '*'; whether it is one of them, check_names says.
            AttributeType::CommonName => |c: char| c.is_ascii_alphanumeric() || "-.*".contains(c),
            _ => |_| true,
        };
        match value.chars().find(|&c| !allowed(c)) {
            Some(found) => Err(CsrError::BadCharacter { kind, found }),
            None => Ok(()),
        }
    }
}

impl FromStr for Subject {
    type Err = CsrError;

    /// Reads `/TYPE=VALUE/TYPE=VALUE...`.
    fn from_str(text: &str) -> Result<Subject, CsrError> {
        let Some(rest) = text.strip_prefix('/') else {
            return Err(CsrError::NoLeadingSlash(text.to_string()));
        };
        let mut attributes: Vec<Attribute> = Vec::new();
        if rest.is_empty() {
            return Ok(Subject { attributes });
        }
        // Each part as written (for errors) and with its escapes resolved;
        // an unescaped '+' is remembered.
        let mut parts: Vec<(String, String, bool)> = vec![Default::default()];
        let mut chars = rest.chars();
        while let Some(c) = chars.next() {
            let (raw, value, plus) = parts.last_mut().expect("never empty");
            match c {
                '\\' => {
                    let escaped = chars.next().ok_or(CsrError::TrailingBackslash)?;
                    raw.push(c);
                    raw.push(escaped);
                    value.push(escaped);
                }
                '/' => parts.push(Default::default()),
                _ => {
                    *plus |= c == '+';
                    raw.push(c);
                    value.push(c);
                }
            }
        }
        for (raw, value, plus) in parts {
            // The type is what comes before the first '=' as written: an
            // escaped '=' belongs to no type name.
            let Some((name, _)) = raw.split_once('=') else {
                return Err(CsrError::NotAnAttribute(raw));
            };
            if name.contains('\\') {
                return Err(CsrError::UnknownType(name.to_string()));
            }
            let kind = AttributeType::from_name(name)
                .ok_or_else(|| CsrError::UnknownType(name.to_string()))?;
            let value = value[name.len() + 1..].to_string();
            // The type's name has no '+' (it is known): the '+' is the value's.
            if plus {
                return Err(CsrError::MultiValued(kind));
            }
            if attributes.iter().any(|a| a.kind == kind) {
                return Err(CsrError::RepeatedType(kind));
            }
            Subject::check(kind, &value)?;
            attributes.push(Attribute { kind, value });
        }
        Ok(Subject { attributes })
    }
}

impl fmt::Display for Subject {
    /// As written, `/`, `+` and `\` in values escaped: it reads back as the
    /// same subject.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.attributes.is_empty() {
            return f.write_str("/");
        }
        for a in &self.attributes {
            write!(f, "/{}=", a.kind.name())?;
            for c in a.value.chars() {
                if "/+\\".contains(c) {
                    f.write_str("\\")?;
                }
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}
